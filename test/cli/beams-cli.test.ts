import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { runCliInProcess } from '../support/run-cli.js';
import { writeFakeAdapterFile, writeSyntheticAtlas, type SyntheticAtlas } from '../search/fixtures.js';

let atlas: SyntheticAtlas;
let heldOut: SyntheticAtlas;
const manifestOf = async (dir: string) => JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
const build = (out: string, ...extra: string[]) => runCliInProcess(['build', '--reference', atlas.path, '--adapter', 'identity', '--out', join(atlas.dir, out), '--threads', '1', '--no-map', ...extra]);

before(async () => {
  atlas = await writeSyntheticAtlas(10, 64);
  heldOut = await writeSyntheticAtlas(4, 64, 99);
});

test('build keeps one fixed beam by default; --recall-target calibrates beams per prefix and k', async () => {
  const plain = await build('plain', '--expansion-search', '40');
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal('beams' in (await manifestOf(join(atlas.dir, 'plain'))), false, 'no beams entry at all: older versions read the folder');
  assert.match(plain.stdout, /; beam 40 for every search/);
  const r = await build('calibrated', '--recall-target', '0.99');
  assert.equal(r.status, 0, r.stderr);
  const m = await manifestOf(join(atlas.dir, 'calibrated'));
  assert.equal(m.beams.recallTarget, 0.99);
  assert.equal(m.beams.queries, 'reflected');
  assert.deepEqual(m.beams.entries.map((e: { prefix: number; k: number }) => [e.prefix, e.k]), [[1, 10], [1, 50], [1, 100]]);
  assert.match(r.stdout, /; beams for recall@k ≥ 0\.99 \(reflected cells\): k 10: ef \d+, k 50: ef \d+, k 100: ef \d+/);
});

test('calibrate adds beams to a built index, on held-out cells through the index\'s own adapter', async () => {
  const dir = join(atlas.dir, 'plain');
  const noAdapter = await runCliInProcess(['calibrate', '--index', dir, '--recall-target', '0.95', '--queries', heldOut.path]);
  assert.notEqual(noAdapter.status, 0);
  assert.match(noAdapter.stderr, /^fractal-atlas: calibrate: --queries needs --adapter/);
  const foreign = await runCliInProcess(['calibrate', '--index', dir, '--recall-target', '0.95', '--queries', heldOut.path, '--adapter', await writeFakeAdapterFile(atlas.dir)]);
  assert.notEqual(foreign.status, 0);
  assert.match(foreign.stderr, /^fractal-atlas: .*built with adapter identity .*pass the same adapter or rebuild\n$/);
  const gone = await runCliInProcess(['calibrate', '--index', dir, '--recall-target', '0.95', '--queries', join(atlas.dir, 'no-such.parquet'), '--adapter', 'identity']);
  assert.notEqual(gone.status, 0);
  assert.match(gone.stderr, /^fractal-atlas: .*no-such\.parquet.*\n$/);
  assert.equal(gone.stderr.split('\n').length, 2, gone.stderr);
  const r = await runCliInProcess(['calibrate', '--index', dir, '--recall-target', '0.95', '--queries', heldOut.path, '--adapter', 'identity', '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^calibrated .* in [\d.]+ s on 64 cells: beams for recall@k ≥ 0\.95 \(held-out cells\): k 10: ef \d+/);
  const m = await manifestOf(dir);
  assert.deepEqual([m.beams.recallTarget, m.beams.queries, m.beams.sample], [0.95, 'held-out', 64]);
  assert.equal(m.expansionSearch, 40, 'the fixed beam stays the fallback');
});

test('a recall target that is missing or out of range, or a missing folder, is one line and a non-zero exit', async () => {
  for (const v of ['1.5', '0.2', 'high']) {
    const r = await build('never', '--recall-target', v);
    assert.notEqual(r.status, 0, v);
    assert.match(r.stderr, /^fractal-atlas: build: --recall-target must be a number in \[0\.5, 1\], got "[^"]+"\n$/, v);
  }
  const none = await runCliInProcess(['calibrate', '--index', join(atlas.dir, 'plain')]);
  assert.match(none.stderr, /^fractal-atlas: calibrate: --recall-target is required/);
  const missing = await runCliInProcess(['calibrate', '--index', join(atlas.dir, 'no-such'), '--recall-target', '0.9']);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /^fractal-atlas: index folder not found: .*no-such\n$/);
});
