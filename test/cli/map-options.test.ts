import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { MAP_DEFAULTS } from '../../index-build/index.js';
import { readMapOptions } from '../../cli/commands/build.js';

describe('build --no-map / --map-size / --map-seed', () => {
  it('defaults to a map of the default size and seed', () => {
    assert.deepEqual(readMapOptions({}), { size: MAP_DEFAULTS.size, seed: MAP_DEFAULTS.seed });
    assert.deepEqual(readMapOptions({ 'map-size': '5000', 'map-seed': '9' }), { size: 5000, seed: 9 });
  });

  it('--no-map turns it off, and refuses map options beside it', () => {
    assert.equal(readMapOptions({ 'no-map': true }), false);
    assert.throws(() => readMapOptions({ 'no-map': true, 'map-size': '10' }), (e) => isAtlasError(e, 'invalid_argument'));
  });

  it('refuses sizes that are not integers in range', () => {
    for (const v of ['0', 'many', '1.5', String(MAP_DEFAULTS.maxSize + 1)]) {
      assert.throws(() => readMapOptions({ 'map-size': v }), (e) => isAtlasError(e, 'invalid_argument') && /--map-size/.test((e as Error).message), v);
    }
  });
});
