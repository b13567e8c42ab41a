import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { MAP_DEFAULTS } from '../../index-build/index.js';
import { readMapOptions } from '../../cli/shared-options.js';
import { runCliInProcess } from '../support/run-cli.js';

describe('build --no-map / --map-size / --map-seed, and map', () => {
  it('defaults to a map of the default size and seed', () => {
    assert.deepEqual(readMapOptions({}), { size: MAP_DEFAULTS.size, seed: MAP_DEFAULTS.seed });
    assert.deepEqual(readMapOptions({ 'map-size': 5000, 'map-seed': 9 }), { size: 5000, seed: 9 });
  });

  it('--no-map turns it off, and refuses map options beside it', () => {
    assert.equal(readMapOptions({ 'no-map': true }), false);
    assert.throws(() => readMapOptions({ 'no-map': true, 'map-size': 10 }), (e) => isAtlasError(e, 'invalid_argument'));
  });

  it('refuses sizes that are not integers in range, with one line naming the option', async () => {
    for (const v of ['0', 'many', '1.5', String(MAP_DEFAULTS.maxSize + 1)]) {
      const r = await runCliInProcess(['build', '--reference', 'a.parquet', '--adapter', 'identity', '--out', 'x', '--map-size', v]);
      assert.notEqual(r.status, 0, v);
      assert.match(r.stderr, /^fractal-atlas: build: --map-size must be an integer in \[1, 200000\]/, v);
    }
    const conflict = await runCliInProcess(['build', '--reference', 'a.parquet', '--adapter', 'identity', '--out', 'x', '--no-map', '--map-seed', '3']);
    assert.match(conflict.stderr, /^fractal-atlas: build: --no-map cannot be combined with --map-size or --map-seed\n$/);
    const missing = await runCliInProcess(['map', '--index', '/no/such/index']);
    assert.match(missing.stderr, /^fractal-atlas: index folder not found: \/no\/such\/index\n$/);
  });
});
