import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isAtlasError, projectPath } from '../../common/index.js';
import { openAtlasIndex } from '../../search/index.js';
import { runCliInProcess } from '../support/run-cli.js';
import { DIM, writeSyntheticAtlas, type SyntheticAtlas } from './fixtures.js';

// Randomly initialised 16-d → 4 × 4 adapters, seeds 1 and 2 (same architecture, other weights), committed so
// this test needs no PyTorch: `/usr/bin/python3 test/search/fixtures/make_onnx_adapter.py
// test/fixtures/random-adapter-1.onnx 1 --also test/fixtures/random-adapter-2.onnx 2`.
const model = projectPath('test', 'fixtures', 'random-adapter-1.onnx');
const other = projectPath('test', 'fixtures', 'random-adapter-2.onnx');

let atlas: SyntheticAtlas;
let out: string;

before(async () => {
  atlas = await writeSyntheticAtlas(20, 128);
  out = join(atlas.dir, 'idx');
  const b = await runCliInProcess(['build', '--reference', atlas.path, '--adapter', model, '--out', out, '--threads', '1', '--no-map']);
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stdout, /4 prefix indexes \(dims 4, 8, 12, 16\)/);
});

after(async () => {
  await atlas?.cleanup();
});

test('an ONNX adapter index: level i served by prefix i, self-query through the adapter in workers', async () => {
  const svc = await openAtlasIndex(out, { adapterPath: model, workers: 2 });
  try {
    assert.deepEqual(svc.manifest.levelPrefix, { level1_system: 1, level2_lineage: 2, level3_type: 3, level4_subtype: 4 });
    assert.equal(svc.manifest.adapter.identity, false);
    assert.equal((svc.manifest.adapter.metadata as { fingerprint: string }).fingerprint, 'index-test:random:1');
    const r = await svc.search({ embeddings: atlas.embeddings.slice(9 * DIM, 10 * DIM), n: 1, level: 'subtype', k: 3 });
    assert.equal(r.results[0]!.hits[0]!.cell_id, 'cell-9');
    assert.ok(r.results[0]!.hits[0]!.distance < 1e-4);
    const a = await svc.annotate({ embeddings: atlas.embeddings.slice(0, 20 * DIM), n: 20, k: 5, weighting: 'uniform' });
    assert.equal(a.cells.length, 20);
    assert.ok(a.timings.adapterMs > 0);
  } finally {
    await svc.close();
  }
});

test('another adapter (same architecture, other weights) is refused by hash', async () => {
  await assert.rejects(openAtlasIndex(out, { adapterPath: other, workers: 0 }), (e) => isAtlasError(e, 'index_mismatch') && /random-adapter-1\.onnx/.test(e.message));
});
