import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import {
  AlignedCountsBuilder,
  ENCODER_META,
  checkAlignedCounts,
  createGeneIndex,
  densifyCounts,
  loadEncoder,
  matchGenes,
  requireGeneOverlap,
  sliceCounts,
  type EncoderSessionFactory,
} from '../../adapter/index.js';
import { fakeEncoderBytes, fakeModelBytes, tempDir } from './helpers.js';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MODEL = ['CD3E', 'MS4A1', 'LYZ', 'Actb', 'ACTB'];

test('matchGenes: exact first, then case-insensitive unless ambiguous; reports missing and unmatched', () => {
  const idx = createGeneIndex(MODEL);
  const m = matchGenes(idx, ['lyz', 'Cd3e', 'ACTB', 'actb', 'NOT_A_GENE', 'ENSG0001'], 'invalid_request');
  // "actb" folds to both Actb and ACTB: only exact symbols match those.
  assert.deepEqual(Array.from(m.columnOf), [2, 0, 4, -1, -1, -1]);
  assert.equal(m.matched, 3);
  assert.deepEqual(m.missing, ['MS4A1', 'Actb']);
  assert.deepEqual(m.unmatched, ['actb', 'NOT_A_GENE', 'ENSG0001']);
  assert.equal(m.unmatchedCount, 3);
});

test('missing genes are reported in the encoder weight rank first, then in gene order', () => {
  const idx = createGeneIndex(MODEL, [3, 1]);
  assert.deepEqual(matchGenes(idx, ['CD3E'], 'invalid_request').missing, ['Actb', 'MS4A1', 'LYZ', 'ACTB']);
});

test('matchGenes refuses two query genes that match one model gene', () => {
  const idx = createGeneIndex(MODEL);
  assert.throws(() => matchGenes(idx, ['LYZ', 'lyz'], 'invalid_request', 'expression.genes'), (e) => isAtlasError(e, 'invalid_request') && /expression\.genes\[0\].*expression\.genes\[1\]/.test(e.message));
});

test('requireGeneOverlap refuses below the threshold with the gene report as details', () => {
  const m = matchGenes(createGeneIndex(MODEL), ['LYZ', 'ENSG0001'], 'invalid_request');
  requireGeneOverlap(m, 1);
  assert.throws(
    () => requireGeneOverlap(m, 2),
    (e) => isAtlasError(e, 'insufficient_gene_overlap') && /only 1 of the model's 5 genes/.test(e.message) && (e.details as { matched: number }).matched === 1 && /ENSG0001/.test(e.message),
  );
});

test('AlignedCountsBuilder: dense and sparse rows align to model order, extra genes dropped, repeats summed', () => {
  const idx = createGeneIndex(MODEL);
  const m = matchGenes(idx, ['ACTB', 'EXTRA', 'cd3e', 'LYZ'], 'invalid_request');
  const b = new AlignedCountsBuilder(m, 'invalid_request');
  b.addDense([5, 100, 0, 2], 'c0');
  b.addSparse([3, 0, 3, 1], [1, 4, 2, 7], 'c1');
  const a = b.finish();
  assert.equal(a.n, 2);
  assert.deepEqual(Array.from(a.indptr), [0, 2, 4]);
  assert.deepEqual(Array.from(densifyCounts(a, 0, 2)), [0, 0, 2, 0, 5, 0, 0, 3, 0, 4]);
  checkAlignedCounts(a, MODEL.length);
  const tail = sliceCounts(a, 1, 2);
  assert.deepEqual(Array.from(tail.indptr), [0, 2]);
  assert.deepEqual(Array.from(densifyCounts(tail, 0, 1)), [0, 0, 3, 0, 4]);
});

test('AlignedCountsBuilder refuses negative, non-numeric and misplaced values, and cells without model counts', () => {
  const m = matchGenes(createGeneIndex(MODEL), ['LYZ', 'EXTRA'], 'invalid_request');
  const b = () => new AlignedCountsBuilder(m, 'invalid_request');
  const code = (re: RegExp) => (e: unknown) => isAtlasError(e, 'invalid_request') && re.test((e as Error).message);
  assert.throws(() => b().addDense([-1, 0], 'x[0]'), code(/x\[0\]\[0\] must be a finite count ≥ 0/));
  assert.throws(() => b().addDense(['3', 0], 'x[0]'), code(/the string "3"/));
  assert.throws(() => b().addDense([1], 'x[0]'), code(/1 values for 2 genes/));
  assert.throws(() => b().addSparse([2], [1], 'x[0]'), code(/indices\[0\] must be a gene position in 0\.\.1/));
  assert.throws(() => b().addSparse([0, 1], [1], 'x[0]'), code(/indices has 2 entries but values 1/));
  assert.throws(() => b().addDense([0, 50], 'x[3]'), code(/x\[3\] has no counts in the model's genes/));
});

test('checkAlignedCounts refuses broken CSR before native code', () => {
  const ok = { n: 1, numGenes: 5, indptr: Int32Array.from([0, 2]), indices: Int32Array.from([1, 3]), values: Float32Array.from([1, 2]) };
  checkAlignedCounts(ok, 5);
  assert.throws(() => checkAlignedCounts(ok, 6), (e) => isAtlasError(e, 'wrong_dimension'));
  assert.throws(() => checkAlignedCounts({ ...ok, indices: Int32Array.from([3, 1]) }, 5), (e) => isAtlasError(e, 'invalid_request'));
  assert.throws(() => checkAlignedCounts({ ...ok, values: Float32Array.from([1, NaN]) }, 5), (e) => isAtlasError(e, 'invalid_request'));
  assert.throws(() => checkAlignedCounts({ ...ok, values: Float32Array.from([0, 0]) }, 5), (e) => isAtlasError(e, 'invalid_request') && /no counts/.test(e.message));
  assert.throws(() => checkAlignedCounts({ ...ok, indptr: Int32Array.from([0, 3]) }, 5), (e) => isAtlasError(e, 'invalid_request'));
});

test('loadEncoder: batches densified counts through the session and checks the metadata', async (t) => {
  const dir = tempDir('enc-meta');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const genes = ['A', 'B', 'C', 'D'];
  const seen: number[][] = [];
  const factory: EncoderSessionFactory = async () => ({
    signature: { inputs: [{ name: 'counts', type: 'float32', shape: ['N', 4] }], outputs: [{ name: 'embedding', type: 'float32', shape: ['N', 3] }] },
    async run(x, n) {
      seen.push(Array.from(x));
      return { data: Float32Array.from({ length: n * 3 }, (_, i) => x[Math.floor(i / 3) * 4]!), dims: [n, 3] };
    },
    release: async () => {},
  });
  const good = join(dir, 'good.onnx');
  writeFileSync(good, fakeEncoderBytes(genes, 3));
  const enc = await loadEncoder(good, { sessionFactory: factory, batchSize: 2 });
  const b = new AlignedCountsBuilder(matchGenes(enc.genes, ['d', 'a'], 'invalid_request'), 'invalid_request');
  for (const row of [[1, 2], [3, 4], [5, 6]]) b.addDense(row, 'r');
  const out = await enc.encode(b.finish());
  assert.deepEqual(seen, [[2, 0, 0, 1, 4, 0, 0, 3], [6, 0, 0, 5]]);
  assert.deepEqual(Array.from(out), [2, 2, 2, 4, 4, 4, 6, 6, 6]);
  const tampered = join(dir, 'tampered.onnx');
  writeFileSync(tampered, fakeEncoderBytes(genes, 3, { [ENCODER_META.geneOrder]: JSON.stringify(['A', 'B', 'D', 'C']) }));
  await assert.rejects(loadEncoder(tampered, { sessionFactory: factory }), (e) => isAtlasError(e, 'invalid_model') && /sha256/.test(e.message));
  const adapterFile = join(dir, 'adapter.onnx');
  writeFileSync(adapterFile, fakeModelBytes({ 'fractal_atlas.contract': '1' }));
  await assert.rejects(loadEncoder(adapterFile, { sessionFactory: factory }), (e) => isAtlasError(e, 'invalid_model') && /not an expression encoder/.test(e.message));
  await assert.rejects(loadEncoder(join(dir, 'missing.onnx')), (e) => isAtlasError(e, 'file_not_found'));
});
