/**
 * `build --encoder` records the expression encoder in the manifest and refuses one whose latent dim is not the
 * atlas's; opening refuses an encoder other than the recorded one; the app refuses an unreachable overlap.
 * Fake encoder files (metadata only): no onnxruntime session is opened on these paths.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createGeneIndex, hashGeneOrder } from '../../adapter/index.js';
import { isAtlasError } from '../../common/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { openAtlasIndex } from '../../search/index.js';
import { SILENT_LOGGER, createApp } from '../../server/index.js';
import { fakeEncoderBytes } from '../adapter/helpers.js';
import { DIM, createFakeAdapter, writeFakeAdapterFile, writeSyntheticAtlas, type SyntheticAtlas } from '../search/fixtures.js';

const GENES = ['CD3E', 'MS4A1', 'LYZ', 'ACTB'];
let atlas: SyntheticAtlas;
let adapterPath: string;

before(async () => {
  atlas = await writeSyntheticAtlas(10, 64);
  adapterPath = await writeFakeAdapterFile(atlas.dir);
  writeFileSync(join(atlas.dir, 'encoder.onnx'), fakeEncoderBytes(GENES, DIM));
  writeFileSync(join(atlas.dir, 'other.onnx'), fakeEncoderBytes(['A', 'B'], DIM));
  writeFileSync(join(atlas.dir, 'wide.onnx'), fakeEncoderBytes(GENES, DIM * 2));
});

after(async () => {
  await atlas?.cleanup();
});

test('build --encoder records sha256, gene order and preprocessing; open checks the file against it', async () => {
  const out = join(atlas.dir, 'with-encoder');
  const encoderPath = join(atlas.dir, 'encoder.onnx');
  const r = await buildAtlasIndex({ referencePath: atlas.path, adapterPath, encoderPath, outDir: out, threads: 1 }, { adapter: createFakeAdapter() });
  const e = r.manifest.encoder!;
  assert.equal(e.file, 'encoder.onnx');
  assert.match(e.sha256, /^[0-9a-f]{64}$/);
  assert.equal(e.numGenes, 4);
  assert.equal(e.latentDim, DIM);
  assert.equal(e.geneOrderSha256, hashGeneOrder(GENES));
  assert.equal(e.targetSum, 1e4);
  await assert.rejects(
    openAtlasIndex(out, { adapterPath, encoderPath: join(atlas.dir, 'other.onnx'), workers: 0 }, { adapter: createFakeAdapter() }),
    (err) => isAtlasError(err, 'index_mismatch') && /built with encoder encoder\.onnx/.test(err.message),
  );
  const svc = await openAtlasIndex(out, { adapterPath, workers: 0 }, { adapter: createFakeAdapter() });
  assert.equal(svc.expression, null);
  assert.equal(svc.info().encoder?.loaded, false);
  await assert.rejects(
    svc.annotate({ expression: { n: 1, numGenes: 4, indptr: Int32Array.from([0, 1]), indices: Int32Array.from([0]), values: Float32Array.from([3]) }, n: 1, k: 3, weighting: 'uniform' }),
    (err) => isAtlasError(err, 'invalid_request') && /served without an expression encoder/.test(err.message),
  );
  await svc.close();
});

test('build refuses an encoder whose latent dim differs from the atlas; open refuses one the build did not record', async () => {
  const out = join(atlas.dir, 'wide');
  await assert.rejects(
    buildAtlasIndex({ referencePath: atlas.path, adapterPath, encoderPath: join(atlas.dir, 'wide.onnx'), outDir: out, threads: 1 }, { adapter: createFakeAdapter() }),
    (err) => isAtlasError(err, 'wrong_dimension') && /outputs 32-d embeddings, the atlas has 16-d/.test(err.message),
  );
  assert.equal(existsSync(out), false);
  const plain = join(atlas.dir, 'plain');
  await buildAtlasIndex({ referencePath: atlas.path, adapterPath, outDir: plain, threads: 1 }, { adapter: createFakeAdapter() });
  await assert.rejects(
    openAtlasIndex(plain, { adapterPath, encoderPath: join(atlas.dir, 'encoder.onnx'), workers: 0 }, { adapter: createFakeAdapter() }),
    (err) => isAtlasError(err, 'index_mismatch') && /built without an expression encoder/.test(err.message),
  );
});

test('the app refuses a minimum gene overlap the encoder cannot meet', async () => {
  const out = join(atlas.dir, 'for-app');
  await buildAtlasIndex({ referencePath: atlas.path, adapterPath, outDir: out, threads: 1 }, { adapter: createFakeAdapter() });
  const svc = await openAtlasIndex(out, { adapterPath, workers: 0 }, { adapter: createFakeAdapter() });
  try {
    // The real service, seen as one served with a 4-gene encoder (the fake encoder file has no graph to run).
    const service: typeof svc = Object.assign(Object.create(svc) as typeof svc, { expression: { genes: createGeneIndex(GENES), numGenes: 4, latentDim: DIM, file: 'encoder.onnx' } });
    assert.throws(() => createApp(service, { logger: SILENT_LOGGER, minGeneOverlap: 5 }), (err) => isAtlasError(err, 'invalid_argument') && /exceeds the encoder's 4 genes/.test(err.message));
    createApp(service, { logger: SILENT_LOGGER, minGeneOverlap: 4 });
  } finally {
    await svc.close();
  }
});
