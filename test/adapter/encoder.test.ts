import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { AlignedCountsBuilder, ENCODER_PARITY_TOLERANCE, exportEncoder, loadEncoder, matchGenes, readNpy, writeNpy } from '../../adapter/index.js';
import { FIXTURE_GENES, cellCounts, createRng, encoderFixture, exportedEncoder, runFixtureScript } from './encoder-fixture.js';
import { TORCH_SKIP, maxAbsDiff, tempDir } from './helpers.js';

/** SCimilarity's Encoder state-dict keys for hidden sizes [64, 64] (nn_models.Encoder's module tree). */
const SCIMILARITY_KEYS = [0, 1].flatMap((i) => [`network.${i}.1.weight`, `network.${i}.1.bias`, `network.${i}.2.weight`, `network.${i}.2.bias`, `network.${i}.2.running_mean`, `network.${i}.2.running_var`, `network.${i}.2.num_batches_tracked`, `network.${i}.3.weight`]).concat(['network.2.weight', 'network.2.bias']);

test('export-encoder converts a random-weight SCimilarity folder; onnxruntime matches PyTorch ≤ 1e-5 including lognorm', { skip: TORCH_SKIP }, async () => {
  const f = await exportedEncoder();
  const sizes = JSON.parse(readFileSync(join(f.modelDir, 'layer_sizes.json'), 'utf8')) as Record<string, number[]>;
  assert.deepEqual(Object.keys(sizes).sort(), [...SCIMILARITY_KEYS].sort());
  const { metadata, parity } = f.export;
  assert.equal(metadata.numGenes, FIXTURE_GENES);
  assert.equal(metadata.latentDim, 128);
  assert.equal(metadata.genes[17], 'Gene17');
  assert.equal(metadata.targetSum, 1e4);
  assert.equal(metadata.log1p, true);
  assert.equal(metadata.geneRank.length, FIXTURE_GENES);
  assert.deepEqual([...metadata.geneRank].sort((a, b) => a - b), Array.from({ length: FIXTURE_GENES }, (_, g) => g));
  assert.deepEqual(metadata.architecture.hidden_dims, [64, 64]);
  assert.equal(metadata.architecture.residual, false);
  assert.match(String(metadata.source.checkpoint_sha256), /^[0-9a-f]{64}$/);
  assert.equal(parity.cells, 48);
  assert.ok(parity.maxAbsDiff <= ENCODER_PARITY_TOLERANCE, `parity ${parity.maxAbsDiff}`);
  console.log(`# encoder parity: max |onnxruntime − PyTorch| = ${parity.maxAbsDiff.toExponential(2)} over ${parity.cells} cells`);
});

test('counts in another gene order, with missing, extra and re-cased genes, embed as PyTorch embeds them aligned', { skip: TORCH_SKIP }, async (t) => {
  const f = await encoderFixture();
  const r = createRng(11);
  // Query genes: model genes shuffled, every 10th left out, some upper-cased, plus 15 the model does not know.
  const order = Array.from({ length: FIXTURE_GENES }, (_, g) => g).filter((g) => g % 10 !== 3);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const genes = order.map((g) => (g % 7 === 0 ? `GENE${g}` : `Gene${g}`));
  for (let e = 0; e < 15; e++) genes.splice(Math.floor(r() * genes.length), 0, `Extra${e}`);
  const n = 12;
  const counts = new Float32Array(n * genes.length);
  for (let i = 0; i < n; i++) {
    const model = cellCounts(i % 4, r);
    genes.forEach((g, q) => {
      counts[i * genes.length + q] = g.startsWith('Extra') ? Math.floor(r() * 20) : model[Number(g.slice(4))]!;
    });
  }
  const dir = tempDir('encoder-align');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await writeNpy(join(dir, 'counts.npy'), counts, [n, genes.length]);
  writeFileSync(join(dir, 'genes.json'), JSON.stringify(genes));
  runFixtureScript('scimilarity_reference.py', [f.modelDir, join(dir, 'counts.npy'), join(dir, 'genes.json'), join(dir, 'expected.npy')]);
  const expected = (await readNpy(join(dir, 'expected.npy'))).data as Float32Array;

  const encoder = await loadEncoder(f.encoderPath, { batchSize: 5 });
  const match = matchGenes(encoder.genes, genes, 'invalid_request');
  assert.equal(match.matched, order.length);
  assert.equal(match.unmatchedCount, 15);
  // Missing genes are listed by the encoder's first-layer weight norm: the top-ranked left-out gene first.
  assert.equal(match.missing[0], `Gene${f.metadata.geneRank.find((g) => g % 10 === 3)}`);
  assert.ok(match.missing.every((g) => Number(g.slice(4)) % 10 === 3));
  const dense = new AlignedCountsBuilder(match, 'invalid_request');
  const sparse = new AlignedCountsBuilder(match, 'invalid_request');
  for (let i = 0; i < n; i++) {
    const row = counts.subarray(i * genes.length, (i + 1) * genes.length);
    dense.addDense(row, `cell ${i}`);
    const idx = [...row.keys()].filter((q) => row[q]! > 0);
    sparse.addSparse(idx, idx.map((q) => row[q]!), `cell ${i}`);
  }
  const a = await encoder.encode(dense.finish());
  const b = await encoder.encode(sparse.finish());
  await encoder.close();
  assert.deepEqual(b, a);
  const d = maxAbsDiff(a, expected);
  assert.ok(d <= ENCODER_PARITY_TOLERANCE, `aligned parity ${d}`);
});

test('export-encoder --residual converts the same folder in the residual form (parity-checked)', { skip: TORCH_SKIP }, async () => {
  const f = await encoderFixture();
  const out = join(f.dir, 'residual.onnx');
  const r = await exportEncoder({ scimilarityDir: f.modelDir, out, residual: true, onLine: () => {} });
  assert.equal(r.metadata.architecture.residual, true);
  assert.ok(r.parity.maxAbsDiff <= ENCODER_PARITY_TOLERANCE);
  // The residual form computes something else from the same weights.
  const plain = await loadEncoder(f.encoderPath);
  const res = await loadEncoder(out);
  const b = new AlignedCountsBuilder(matchGenes(plain.genes, plain.metadata.genes, 'invalid_request'), 'invalid_request');
  b.addDense(cellCounts(1, createRng(3)), 'cell');
  const counts = b.finish();
  assert.ok(maxAbsDiff(await plain.encode(counts), await res.encode(counts)) > 1e-3);
  await plain.close();
  await res.close();
});

test('export-encoder refuses a folder whose gene order disagrees with layer_sizes.json, and a missing folder', { skip: TORCH_SKIP }, async (t) => {
  const f = await encoderFixture();
  const dir = tempDir('encoder-bad');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const name of ['encoder.ckpt', 'layer_sizes.json']) writeFileSync(join(dir, name), readFileSync(join(f.modelDir, name)));
  writeFileSync(join(dir, 'gene_order.tsv'), 'Gene0\nGene1\n');
  await assert.rejects(exportEncoder({ scimilarityDir: dir, out: join(dir, 'x.onnx'), onLine: () => {} }), (e) => isAtlasError(e, 'training_failed') && /takes 300 genes but gene_order\.tsv lists 2/.test(e.message));
  await assert.rejects(exportEncoder({ scimilarityDir: join(dir, 'nope'), out: join(dir, 'y.onnx'), onLine: () => {} }), (e) => isAtlasError(e, 'file_not_found') && /encoder\.ckpt is missing/.test(e.message));
});

test('the committed encoder fixture is what today\'s exporter makes of the committed folder', { skip: TORCH_SKIP }, async () => {
  const fresh = await exportedEncoder();
  const committed = await encoderFixture();
  // Everything but the torch version that exported it.
  const withoutTorch = (m: typeof fresh.metadata) => ({ ...m, source: { ...m.source, torch: undefined } });
  assert.deepEqual(withoutTorch(committed.metadata), withoutTorch(fresh.metadata), 'regenerate test/fixtures/scimilarity-tiny-encoder.onnx (test/fixtures/README.md)');
  const a = await loadEncoder(fresh.encoderPath);
  const b = await loadEncoder(committed.encoderPath);
  const builder = new AlignedCountsBuilder(matchGenes(a.genes, a.metadata.genes, 'invalid_request'), 'invalid_request');
  const r = createRng(8);
  for (let i = 0; i < 8; i++) builder.addDense(cellCounts(i % 4, r), `cell ${i}`);
  const counts = builder.finish();
  assert.ok(maxAbsDiff(await a.encode(counts), await b.encode(counts)) <= 1e-6, 'regenerate test/fixtures/scimilarity-tiny-encoder.onnx');
  await a.close();
  await b.close();
});
