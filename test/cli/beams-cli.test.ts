import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { runCliInProcess } from '../support/run-cli.js';
import { writeSyntheticAtlas, type SyntheticAtlas } from '../search/fixtures.js';

let atlas: SyntheticAtlas;
const manifestOf = async (dir: string) => JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
const build = (out: string, ...extra: string[]) => runCliInProcess(['build', '--reference', atlas.path, '--adapter', 'identity', '--out', join(atlas.dir, out), '--threads', '1', '--no-map', ...extra]);

before(async () => {
  atlas = await writeSyntheticAtlas(10, 64);
});

test('build calibrates beams for recall@k 0.99 by default and says which', async () => {
  const r = await build('default');
  assert.equal(r.status, 0, r.stderr);
  const m = await manifestOf(join(atlas.dir, 'default'));
  assert.equal(m.beams.recallTarget, 0.99);
  assert.deepEqual(m.beams.entries.map((e: { prefix: number; k: number }) => [e.prefix, e.k]), [[1, 10], [1, 50], [1, 100]]);
  assert.match(r.stdout, /; beams for recall@k ≥ 0\.99: k 10: ef \d+, k 50: ef \d+, k 100: ef \d+/);
});

test('--expansion-search fixes one beam unless --recall-target is given too; calibrate adds beams later', async () => {
  const fixed = await build('fixed', '--expansion-search', '32');
  assert.equal(fixed.status, 0, fixed.stderr);
  assert.equal((await manifestOf(join(atlas.dir, 'fixed'))).beams, null);
  assert.match(fixed.stdout, /; beam 32 for every search/);
  const both = await build('both', '--expansion-search', '32', '--recall-target', '0.9');
  assert.equal(both.status, 0, both.stderr);
  assert.equal((await manifestOf(join(atlas.dir, 'both'))).beams.recallTarget, 0.9);
  const later = await runCliInProcess(['calibrate', '--index', join(atlas.dir, 'fixed'), '--recall-target', '0.95', '--threads', '1']);
  assert.equal(later.status, 0, later.stderr);
  assert.match(later.stdout, /^calibrated .* in [\d.]+ s: beams for recall@k ≥ 0\.95: k 10: ef \d+/);
  const m = await manifestOf(join(atlas.dir, 'fixed'));
  assert.equal(m.beams.recallTarget, 0.95);
  assert.equal(m.expansionSearch, 32, 'the fixed beam stays the fallback');
});

test('a recall target out of range, or calibrating a missing folder, is one line and a non-zero exit', async () => {
  for (const v of ['1.5', '0.2', 'high']) {
    const r = await build('never', '--recall-target', v);
    assert.notEqual(r.status, 0, v);
    assert.match(r.stderr, /^fractal-atlas: build: --recall-target must be a number in \[0\.5, 1\], got "[^"]+"\n$/, v);
  }
  const missing = await runCliInProcess(['calibrate', '--index', join(atlas.dir, 'no-such')]);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /^fractal-atlas: index folder not found: .*no-such\n$/);
});
