import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { IDENTITY_ADAPTER } from '../../adapter/index.js';
import { openAtlasIndex, type AtlasIndexService } from '../../search/index.js';
import { runCliInProcess } from '../support/run-cli.js';
import { DIM, embeddingOf, rng, writeSyntheticAtlas, type SyntheticAtlas } from './fixtures.js';

let atlas: SyntheticAtlas;
let out: string;
let pooled: AtlasIndexService;

before(async () => {
  atlas = await writeSyntheticAtlas(60, 256);
  out = join(atlas.dir, 'idx');
  // One build thread: usearch then builds the same graph every run, so the approximate answers below are
  // the same every run too (a threaded build's graph varies, and with it which near-duplicate comes first).
  const r = await runCliInProcess(['build', '--reference', atlas.path, '--adapter', IDENTITY_ADAPTER, '--out', out, '--connectivity', '8', '--with-original', '--threads', '1', '--no-map']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /built .*: 960 cells, 1 prefix indexes \(dims 16\) \+ original \(16\)/);
  pooled = await openAtlasIndex(out, { adapterPath: IDENTITY_ADAPTER, workers: 2 });
});

after(async () => {
  await pooled?.close();
  await atlas?.cleanup();
});

test('build CLI: bad options exit non-zero with one readable line', async () => {
  const missing = await runCliInProcess(['build', '--reference', atlas.path, '--out', join(atlas.dir, 'x')]);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr.trim(), 'fractal-atlas: build: --adapter is required');
  const quant = await runCliInProcess(['build', '--reference', atlas.path, '--adapter', 'identity', '--out', join(atlas.dir, 'x'), '--quantization', 'f8']);
  assert.equal(quant.status, 2);
  assert.match(quant.stderr, /^fractal-atlas: build: --quantization must be one of f32, f16, i8, got "f8"/);
  const exists = await runCliInProcess(['build', '--reference', atlas.path, '--adapter', 'identity', '--out', out]);
  assert.notEqual(exists.status, 0);
  assert.match(exists.stderr, /already exists; pass --overwrite/);
  const noAtlas = await runCliInProcess(['build', '--reference', join(atlas.dir, 'none.parquet'), '--adapter', 'identity', '--out', join(atlas.dir, 'y')]);
  assert.equal(noAtlas.status, 1);
  assert.equal(noAtlas.stderr.trim().split('\n').length, 1);
});

test('worker pool: self-query, cell-id lookup, errors carry their codes across threads', async () => {
  assert.equal(pooled.ready(), true);
  assert.equal(pooled.info().workers, 2);
  const r = await pooled.search({ embeddings: atlas.embeddings.slice(7 * DIM, 8 * DIM), n: 1, level: 'subtype', k: 3 });
  assert.equal(r.results[0]!.hits[0]!.cell_id, 'cell-7');
  const c = await pooled.search({ cellIds: ['cell-900', 'cell-5'], n: 2, k: 1, original: true });
  assert.deepEqual(c.results.map((x) => x.hits[0]!.cell_id), ['cell-900', 'cell-5']);
  await assert.rejects(pooled.search({ cellIds: ['cell-99999'], n: 1, k: 1 }), (e) => isAtlasError(e, 'unknown_cell_id'));
});

test('worker pool: a large annotate runs off the main thread and matches the in-process engine', async () => {
  const n = 3000;
  const r = rng(4);
  const x = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) x.set(embeddingOf(i % 16, r), i * DIM);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const res = await pooled.annotate({ embeddings: x.slice(), n, k: 30, weighting: 'uniform' });
  clearInterval(timer);
  assert.equal(res.cells.length, n);
  assert.ok(ticks > 0, 'the main thread never ran a timer during the annotate');
  const local = await openAtlasIndex(out, { adapterPath: IDENTITY_ADAPTER, workers: 0 });
  try {
    const ref = await local.annotate({ embeddings: x.slice(0, 300 * DIM), n: 300, k: 30, weighting: 'uniform' });
    assert.deepEqual(res.cells.slice(0, 300), ref.cells);
  } finally {
    await local.close();
  }
});

test('many concurrent searches are all answered, in order per request', async () => {
  // The expected answers are the same service's answers to the same queries asked one at a time: HNSW is
  // approximate and its graph depends on the threaded build, so "a cell finds itself first" is not a fixed
  // fact here (a same-subtype neighbour at distance ~0 may come first), but a query's answer is.
  const ids = Array.from({ length: 40 }, (_, i) => `cell-${i}`);
  const ask = (id: string) => pooled.search({ cellIds: [id], n: 1, k: 3 });
  const alone: string[][] = [];
  for (const id of ids) alone.push((await ask(id)).results[0]!.hits.map((h) => h.cell_id));
  // 40 different cells over 16 subtypes: if answers were handed to the wrong request, the lists would differ.
  assert.ok(new Set(alone.map((a) => a.join())).size > 30, 'the queries have distinct answers');
  const all = await Promise.all(ids.map(ask));
  all.forEach((r, i) => assert.deepEqual(r.results[0]!.hits.map((h) => h.cell_id), alone[i], ids[i]));
});

test('annotateJson is the JSON text of annotate, serialised in the workers', async () => {
  const x = atlas.embeddings.slice(0, 300 * DIM);
  const q = { embeddings: x, n: 300, k: 10, weighting: 'distance' as const, minConfidence: 0.3 };
  const objects = await pooled.annotate({ ...q, embeddings: x.slice() });
  const text = await pooled.annotateJson!({ ...q, embeddings: x.slice() });
  assert.equal(text.n, 300);
  const parsed = JSON.parse(text.json);
  const { timings: t1, ...a } = parsed;
  const { timings: t2, ...b } = JSON.parse(JSON.stringify(objects));
  assert.deepEqual(a, b);
  assert.deepEqual(Object.keys(t1), Object.keys(t2));
  assert.deepEqual(Object.keys(parsed), Object.keys(objects));
});

test('a search sent during a large annotate overtakes its queued chunks', async () => {
  const n = 4000;
  const x = new Float32Array(n * DIM);
  const r = rng(8);
  for (let i = 0; i < n; i++) x.set(embeddingOf(i % 16, r), i * DIM);
  const order: string[] = [];
  const big = pooled.annotate({ embeddings: x, n, k: 30, weighting: 'uniform' }).then(() => order.push('annotate'));
  await new Promise((res) => setImmediate(res));
  const small = pooled.search({ cellIds: ['cell-3'], n: 1, k: 1 }).then(() => order.push('search'));
  await Promise.all([big, small]);
  assert.deepEqual(order, ['search', 'annotate']);
});
