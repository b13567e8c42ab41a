/**
 * Counts in, calls out, over real HTTP: a random-weight SCimilarity-layout encoder exported by the test, a
 * tiny reference whose embeddings that encoder made from synthetic counts, and two indexes built with
 * `--encoder`: one with the demo fractal adapter (the fused path counts → encoder → adapter → prefix search
 * in a worker must equal the embeddings path), one with the identity adapter (the four-level calls of new
 * cells must be right; the demo adapter was trained on other embeddings, so its prefixes need not separate
 * these synthetic types).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Field, Float32, Int32, List, Schema, Table, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { AlignedCountsBuilder, loadEncoder, matchGenes } from '../../adapter/index.js';
import { createAtlasWriter } from '../../atlas/index.js';
import { isAtlasError } from '../../common/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import { openAtlasIndex, type AtlasIndexService } from '../../search/index.js';
import { SILENT_LOGGER, startServer, type RunningServer } from '../../server/index.js';
import { FIXTURE_GENES, cellCounts, createRng, encoderFixture, type EncoderFixture } from '../adapter/encoder-fixture.js';
import { DEMO_ADAPTER_PATH } from './demo-fixture.js';
import { call, errorOf } from './http-client.js';

const TYPES: Record<LevelColumn, string>[] = [
  { level1_system: 'Immune', level2_lineage: 'Lymphoid', level3_type: 'T cell', level4_subtype: 'CD4 T cell' },
  { level1_system: 'Immune', level2_lineage: 'Lymphoid', level3_type: 'B cell', level4_subtype: 'naive B cell' },
  { level1_system: 'Immune', level2_lineage: 'Myeloid', level3_type: 'monocyte', level4_subtype: 'classical monocyte' },
  { level1_system: 'Epithelial', level2_lineage: 'Epithelial', level3_type: 'keratinocyte', level4_subtype: 'basal keratinocyte' },
];
const PER_TYPE = 40;
// The committed encoder fixture: no PyTorch needed.
const SKIP = existsSync(DEMO_ADAPTER_PATH) ? false : 'models/demo-adapter.onnx is missing';

let f: EncoderFixture;
let service: AtlasIndexService;
let server: RunningServer;
let indexDir: string;
let identityDir: string;

/** Query genes: model genes in reverse order, upper-cased, the first 20 left out, plus two unknown genes. */
const QUERY_GENES = ['NOT_IN_MODEL', ...Array.from({ length: FIXTURE_GENES - 20 }, (_, i) => `GENE${FIXTURE_GENES - 1 - i}`), 'ALSO_UNKNOWN'];

/** A new cell of type t as a dense row over QUERY_GENES. */
function queryRow(t: number, r: () => number): number[] {
  const model = cellCounts(t, r);
  return QUERY_GENES.map((g) => (g.startsWith('GENE') ? model[Number(g.slice(4))]! : 7));
}

before(async () => {
  if (SKIP) return;
  f = await encoderFixture();
  // Reference embeddings: what the encoder makes of each reference cell's counts.
  const encoder = await loadEncoder(f.encoderPath);
  const b = new AlignedCountsBuilder(matchGenes(encoder.genes, encoder.metadata.genes, 'invalid_input'), 'invalid_input');
  const r = createRng(5);
  const n = PER_TYPE * TYPES.length;
  for (let i = 0; i < n; i++) b.addDense(cellCounts(i % TYPES.length, r), `cell ${i}`);
  const embeddings = await encoder.encode(b.finish());
  await encoder.close();
  const atlasPath = join(f.dir, 'reference.parquet');
  const writer = await createAtlasWriter(atlasPath, { dim: 128, rowGroupSize: 64 });
  const levels = {} as Record<LevelColumn, { codes: Int32Array; dictionary: string[] }>;
  for (const c of LEVEL_COLUMNS) {
    const dictionary = [...new Set(TYPES.map((t) => t[c]))];
    levels[c] = { codes: Int32Array.from({ length: n }, (_, i) => dictionary.indexOf(TYPES[i % TYPES.length]![c])), dictionary };
  }
  await writer.write({ numRows: n, dim: 128, embeddings, levels, cellIds: Array.from({ length: n }, (_, i) => `ref-${i}`) });
  await writer.close();
  identityDir = join(f.dir, 'index-identity');
  await buildAtlasIndex({ referencePath: atlasPath, adapterPath: 'identity', encoderPath: f.encoderPath, outDir: identityDir, threads: 1 });
  indexDir = join(f.dir, 'index');
  const built = await buildAtlasIndex({ referencePath: atlasPath, adapterPath: DEMO_ADAPTER_PATH, encoderPath: f.encoderPath, outDir: indexDir, threads: 1 });
  assert.equal(built.manifest.encoder?.numGenes, FIXTURE_GENES);
  assert.equal(built.manifest.encoder?.geneOrderSha256, f.metadata.geneOrderSha256);
  service = await openAtlasIndex(indexDir, { adapterPath: DEMO_ADAPTER_PATH, encoderPath: f.encoderPath, workers: 1 });
  server = await startServer(service, { port: 0, handleSignals: false, logger: SILENT_LOGGER, minGeneOverlap: 200 });
});

after(async () => {
  await server?.close();
});

describe('expression queries', { skip: SKIP }, () => {
  test('POST /v1/annotate with counts: four-level calls of new cells, dense and sparse rows alike', async () => {
    const r = createRng(99);
    const rows = Array.from({ length: 8 }, (_, i) => queryRow(i % 4, r));
    const sparse = rows.map((row) => {
      const indices = row.flatMap((v, q) => (v > 0 ? [q] : []));
      return { indices, values: indices.map((q) => row[q]!) };
    });
    const body = (counts: unknown[]) => ({ body: { expression: { genes: QUERY_GENES, counts }, k: 10 } });
    const dense = await call(server.url, 'POST', '/v1/annotate', body(rows));
    assert.equal(dense.status, 200, dense.text);
    const sp = await call(server.url, 'POST', '/v1/annotate', body(sparse));
    assert.deepEqual(sp.body.cells, dense.body.cells);
    const identity = await openAtlasIndex(identityDir, { adapterPath: 'identity', encoderPath: f.encoderPath, workers: 1 });
    const s = await startServer(identity, { port: 0, handleSignals: false, logger: SILENT_LOGGER, minGeneOverlap: 200 });
    try {
      const calls = await call(s.url, 'POST', '/v1/annotate', body(sparse));
      assert.equal(calls.status, 200, calls.text);
      calls.body.cells.forEach((cell: { consistent: Record<LevelColumn, { label: string }> }, i: number) => {
        for (const c of LEVEL_COLUMNS) assert.equal(cell.consistent[c].label, TYPES[i % 4]![c], `cell ${i} ${c}`);
      });
    } finally {
      await s.close();
    }
    assert.deepEqual(dense.body.gene_match, {
      matched: FIXTURE_GENES - 20,
      model_genes: FIXTURE_GENES,
      query_genes: QUERY_GENES.length,
      // The 20 missing genes, those the encoder weighs most first.
      missing_examples: f.metadata.geneRank.filter((g) => g < 20).map((g) => `Gene${g}`),
      unmatched: 2,
      unmatched_examples: ['NOT_IN_MODEL', 'ALSO_UNKNOWN'],
    });
    assert.ok(dense.body.timings.encoderMs > 0);
  });

  test('a counts body over 256 KiB (decoded in the body worker) answers as the same cells sent small', async () => {
    const r = createRng(5);
    const rows = Array.from({ length: 4 }, (_, i) => queryRow(i, r));
    const n = 4 * Math.ceil((300 * 1024) / JSON.stringify(rows).length);
    const big = { expression: { genes: QUERY_GENES, counts: Array.from({ length: n }, (_, i) => rows[i % 4]!) }, k: 5 };
    assert.ok(JSON.stringify(big).length > 256 * 1024, 'the body must pass the inline limit');
    const small = await call(server.url, 'POST', '/v1/annotate', { body: { ...big, expression: { genes: QUERY_GENES, counts: rows } } });
    const answer = await call(server.url, 'POST', '/v1/annotate', { body: big });
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.body.cells.length, n);
    answer.body.cells.forEach((cell: unknown, i: number) => assert.deepEqual(cell, small.body.cells[i % 4]));
    assert.deepEqual(answer.body.gene_match, small.body.gene_match);
  });

  test('POST /v1/search with counts equals a search with the embeddings the encoder makes of them', async () => {
    const r = createRng(7);
    const rows = [queryRow(2, r), queryRow(3, r)];
    const byCounts = await call(server.url, 'POST', '/v1/search', { body: { expression: { genes: QUERY_GENES, counts: rows }, level: 'type', k: 5 } });
    assert.equal(byCounts.status, 200, byCounts.text);
    const encoder = await loadEncoder(f.encoderPath);
    const b = new AlignedCountsBuilder(matchGenes(encoder.genes, QUERY_GENES, 'invalid_request'), 'invalid_request');
    rows.forEach((row, i) => b.addDense(row, `row ${i}`));
    const emb = await encoder.encode(b.finish());
    await encoder.close();
    const embeddings = [0, 1].map((i) => Array.from(emb.subarray(i * 128, (i + 1) * 128)));
    const byEmbeddings = await call(server.url, 'POST', '/v1/search', { body: { embeddings, level: 'type', k: 5 } });
    assert.deepEqual(byCounts.body.results, byEmbeddings.body.results);
    assert.equal(byCounts.body.results[0].hits.length, 5);
  });

  test('Arrow bodies (dense list column or sparse indices/values) answer as the JSON body does', async () => {
    const r = createRng(31);
    const rows = Array.from({ length: 4 }, (_, i) => queryRow(i, r));
    const arrow = (columns: Record<string, Vector>) => {
      const t = new Table(columns);
      return tableToIPC(new Table(new Schema(t.schema.fields, new Map([['genes', JSON.stringify(QUERY_GENES)]])), t.batches), 'stream');
    };
    const list = (type: Float32 | Int32, values: number[][]): Vector => vectorFromArray(values, new List(new Field('item', type, true)));
    const headers = { 'content-type': 'application/vnd.apache.arrow.stream' };
    const json = await call(server.url, 'POST', '/v1/annotate', { body: { expression: { genes: QUERY_GENES, counts: rows }, k: 7 } });
    const dense = await call(server.url, 'POST', '/v1/annotate?k=7', { raw: arrow({ counts: list(new Float32(), rows) }), headers });
    assert.equal(dense.status, 200, dense.text);
    assert.deepEqual(dense.body.cells, json.body.cells);
    const indices = rows.map((row) => row.flatMap((v, q) => (v > 0 ? [q] : [])));
    const sparse = await call(server.url, 'POST', '/v1/annotate?k=7', { raw: arrow({ indices: list(new Int32(), indices), values: list(new Float32(), indices.map((idx, i) => idx.map((q) => rows[i]![q]!))) }), headers });
    assert.deepEqual(sparse.body.cells, json.body.cells);
    const search = await call(server.url, 'POST', '/v1/search?level=type&k=3', { raw: arrow({ counts: list(new Float32(), rows) }), headers });
    assert.equal(search.status, 200, search.text);
    assert.equal(search.body.results.length, 4);
    const garbage = await call(server.url, 'POST', '/v1/annotate', { raw: 'not arrow', headers });
    assert.equal(garbage.status, 400);
    assert.match(errorOf(garbage).message, /not an Arrow IPC stream/);
    const badParam = await call(server.url, 'POST', '/v1/annotate?kk=3', { raw: arrow({ counts: list(new Float32(), rows) }), headers });
    assert.equal(errorOf(badParam).code, 'invalid_request');
    assert.match(errorOf(badParam).message, /unknown field "kk"/);
  });

  test('too few shared genes → 422 insufficient_gene_overlap with the gene report', async () => {
    const genes = Array.from({ length: 150 }, (_, g) => `Gene${g}`);
    const res = await call(server.url, 'POST', '/v1/annotate', { body: { expression: { genes, counts: [genes.map(() => 1)] } } });
    assert.equal(res.status, 422);
    assert.equal(errorOf(res).code, 'insufficient_gene_overlap');
    assert.match(errorOf(res).message, /only 150 of the model's 300 genes.*at least 200/);
    assert.equal(res.body.error.details.matched, 150);
  });

  test('bad counts → 400 naming the value; an info response names the encoder', async () => {
    const row = QUERY_GENES.map(() => 1);
    row[5] = -2;
    const bad = await call(server.url, 'POST', '/v1/search', { body: { expression: { genes: QUERY_GENES, counts: [row] } } });
    assert.equal(bad.status, 400);
    assert.match(errorOf(bad).message, /expression\.counts\[0\]\[5\] must be a finite count ≥ 0/);
    const both = await call(server.url, 'POST', '/v1/annotate', { body: { expression: { genes: QUERY_GENES, counts: [row] }, embeddings: [[0]] } });
    assert.equal(errorOf(both).code, 'invalid_request');
    const info = await call(server.url, 'GET', '/v1/info');
    assert.equal(info.body.encoder.loaded, true);
    assert.equal(info.body.encoder.numGenes, FIXTURE_GENES);
  });

  test('an index served without --encoder, or with another encoder, says so', async () => {
    const plain = await openAtlasIndex(indexDir, { adapterPath: DEMO_ADAPTER_PATH, workers: 0 });
    const s = await startServer(plain, { port: 0, handleSignals: false, logger: SILENT_LOGGER, minGeneOverlap: 200 });
    try {
      const res = await call(s.url, 'POST', '/v1/annotate', { body: { expression: { genes: QUERY_GENES, counts: [QUERY_GENES.map(() => 1)] } } });
      assert.equal(res.status, 400);
      assert.match(errorOf(res).message, /start serve with --encoder scimilarity-tiny-encoder\.onnx/);
    } finally {
      await s.close();
    }
    await assert.rejects(
      openAtlasIndex(indexDir, { adapterPath: DEMO_ADAPTER_PATH, encoderPath: DEMO_ADAPTER_PATH, workers: 0 }),
      (e) => isAtlasError(e, 'index_mismatch') && /built with encoder scimilarity-tiny-encoder\.onnx/.test(e.message),
    );
  });
});
