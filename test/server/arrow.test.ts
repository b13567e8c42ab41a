/**
 * Arrow IPC over real HTTP against a small built index: Arrow bodies in, Arrow answers out (by Accept), the
 * same values as the JSON API, errors through the same codes, and /healthz answering during a big request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Field, FixedSizeList, Float32, Float64, Table, makeData, makeVector, tableFromIPC, tableToIPC, vectorFromArray, Utf8, type Vector } from 'apache-arrow';
import { openAtlasIndex, annotationColumnNames, ARROW_STREAM_TYPE, type AtlasIndexService, type CellAnnotation } from '../../search/index.js';
import { SILENT_LOGGER, startServer, type RunningServer } from '../../server/index.js';
import { createDemoFixture, type DemoFixture } from './demo-fixture.js';
import { call, errorOf } from './http-client.js';

let fx: DemoFixture;
let service: AtlasIndexService;
let server: RunningServer;
let small: RunningServer;

function embeddingVector(values: Float32Array | Float64Array, n: number, dim: number, child: Float32 | Float64 = new Float32()): Vector {
  const data = makeData({ type: child, length: n * dim, nullCount: 0, data: values as Float32Array });
  return makeVector(makeData({ type: new FixedSizeList(dim, new Field('item', child, false)), length: n, nullCount: 0, child: data }));
}

/** An Arrow IPC stream with `embedding` (and `cell_id` when given). */
function arrowBody(values: Float32Array, n: number, dim: number, ids?: readonly string[], extra: Record<string, Vector> = {}): Uint8Array {
  const cols: Record<string, Vector> = { embedding: embeddingVector(values, n, dim) };
  if (ids) cols.cell_id = vectorFromArray([...ids], new Utf8());
  return tableToIPC(new Table({ ...cols, ...extra }), 'stream');
}

async function post(base: string, path: string, body: Uint8Array | string, contentType: string, accept?: string) {
  const headers: Record<string, string> = { 'content-type': contentType };
  if (accept) headers.accept = accept;
  const res = await fetch(base + path, { method: 'POST', headers, body });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, type, table: type.startsWith(ARROW_STREAM_TYPE) ? tableFromIPC(bytes) : null, json: type.includes('json') ? JSON.parse(Buffer.from(bytes).toString('utf8')) : null };
}

const cellsOf = (n: number) => fx.heldOut.embeddings.subarray(0, n * fx.heldOut.dim);

before(async () => {
  fx = await createDemoFixture(3000, 400);
  // One worker: the big annotate runs off the main thread, as /healthz needs (e2e.test covers two).
  service = await openAtlasIndex(fx.indexDir, { adapterPath: fx.adapterPath, workers: 1 });
  server = await startServer(service, { port: 0, handleSignals: false, logger: SILENT_LOGGER });
  small = await startServer(service, { port: 0, handleSignals: false, logger: SILENT_LOGGER, limits: { maxCells: 50, maxArrowCells: 100 } });
});

after(async () => {
  // `small` shares the service: close it first (closing a server closes its service).
  await small?.close().catch(() => undefined);
  await server?.close();
  await fx?.cleanup();
});

describe('Arrow IPC on /v1/annotate', () => {
  const n = 300;
  let json: CellAnnotation[];

  before(async () => {
    const body = { embeddings: Array.from({ length: n }, (_, i) => fx.row(fx.heldOut, i)), k: 15, weighting: 'distance' };
    json = (await call(server.url, 'POST', '/v1/annotate', { body })).body.cells;
  });

  test('Arrow in, Arrow out: one row per cell, cell_id echoed, the JSON answer\'s values', async () => {
    const ids = fx.heldOut.cellIds.slice(0, n);
    const r = await post(server.url, '/v1/annotate?k=15&weighting=distance', arrowBody(cellsOf(n), n, fx.heldOut.dim, ids), ARROW_STREAM_TYPE, ARROW_STREAM_TYPE);
    assert.equal(r.status, 200);
    const t = r.table!;
    assert.deepEqual(t.schema.fields.map((f) => f.name), annotationColumnNames(fx.manifest.levelColumns));
    assert.equal(t.numRows, n);
    const head = JSON.parse(t.schema.metadata.get('fractal_atlas.result')!);
    assert.equal(head.k, 15);
    assert.equal(head.weighting, 'distance');
    for (let i = 0; i < n; i++) {
      assert.equal(t.getChild('cell_id')!.get(i), ids[i]);
      for (const level of fx.manifest.levelColumns) {
        const short = level.split('_')[1]!;
        const v = json[i]!.levels[level]!;
        assert.equal(t.getChild(`${short}_label`)!.get(i), v.label);
        assert.equal(t.getChild(`${short}_confidence`)!.get(i), v.confidence);
        assert.equal(t.getChild(`${short}_vs2nd`)!.get(i), v.vs2nd);
        assert.equal(t.getChild(`${short}_min_dist`)!.get(i), v.min_dist);
        assert.equal(t.getChild(`${short}_consistent`)!.get(i), json[i]!.consistent[level]!.label);
      }
      assert.equal(t.getChild('nearest_distance')!.get(i), json[i]!.nearest_distance);
      assert.equal(t.getChild('out_of_reference')!.get(i), json[i]!.out_of_reference);
    }
  });

  test('Arrow in, JSON out equals JSON in, JSON out; JSON in, Arrow out has no cell_id column', async () => {
    const r = await post(server.url, '/v1/annotate?k=15&weighting=distance', arrowBody(cellsOf(n), n, fx.heldOut.dim), ARROW_STREAM_TYPE);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.cells, json);
    const body = JSON.stringify({ embeddings: Array.from({ length: 5 }, (_, i) => fx.row(fx.heldOut, i)), k: 15, weighting: 'distance' });
    const a = await post(server.url, '/v1/annotate', body, 'application/json', ARROW_STREAM_TYPE);
    assert.equal(a.table!.numRows, 5);
    assert.equal(a.table!.schema.fields[0]!.name, annotationColumnNames(fx.manifest.levelColumns)[1]);
  });

  test('bad Arrow bodies and options: the JSON API\'s codes', async () => {
    const dim = fx.heldOut.dim;
    const expectCode = async (path: string, body: Uint8Array | string, code: string, status: number, type = ARROW_STREAM_TYPE, base = server.url) => {
      const r = await post(base, path, body, type, ARROW_STREAM_TYPE);
      assert.equal(r.status, status, `${code}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.error.code, code);
      return r.json.error.message as string;
    };
    await expectCode('/v1/annotate', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'invalid_request', 400);
    await expectCode('/v1/annotate', arrowBody(cellsOf(4).slice(0, 4 * (dim - 1)), 4, dim - 1), 'wrong_dimension', 400);
    const nan = cellsOf(4).slice();
    nan[dim + 2] = NaN;
    assert.match(await expectCode('/v1/annotate', arrowBody(nan, 4, dim), 'non_finite', 400), /embeddings\[1\]\[2\]/);
    await expectCode('/v1/annotate?k=0', arrowBody(cellsOf(4), 4, dim), 'k_out_of_range', 400);
    await expectCode('/v1/annotate?weighting=heavy', arrowBody(cellsOf(4), 4, dim), 'invalid_request', 400);
    await expectCode('/v1/annotate?tissue=x', arrowBody(cellsOf(4), 4, dim), 'invalid_request', 400);
    await expectCode('/v1/annotate?filter={"include":{"tissue":["x"]}}', arrowBody(cellsOf(4), 4, dim), 'unknown_level', 400);
    await expectCode('/v1/annotate', arrowBody(cellsOf(4), 4, dim, undefined, { donor: vectorFromArray(['a', 'b', 'c', 'd'], new Utf8()) }), 'invalid_request', 400);
    const f64 = tableToIPC(new Table({ embedding: embeddingVector(Float64Array.from(cellsOf(2)), 2, dim, new Float64()) }), 'stream');
    assert.match(await expectCode('/v1/annotate', f64, 'invalid_request', 400), /float32/);
    await expectCode('/v1/annotate', 'x', 'unsupported_media_type', 415, 'text/plain');
    // Limits: an Arrow body of more than maxArrowCells; a JSON answer of more than maxCells.
    await expectCode('/v1/annotate', arrowBody(cellsOf(101), 101, dim), 'batch_too_large', 413, ARROW_STREAM_TYPE, small.url);
    const r = await post(small.url, '/v1/annotate', arrowBody(cellsOf(60), 60, dim), ARROW_STREAM_TYPE);
    assert.equal(r.status, 413);
    assert.equal(r.json.error.code, 'batch_too_large');
    assert.match(r.json.error.message, /Accept: application\/vnd\.apache\.arrow\.stream/);
    assert.equal((await post(small.url, '/v1/annotate', arrowBody(cellsOf(60), 60, dim), ARROW_STREAM_TYPE, ARROW_STREAM_TYPE)).table!.numRows, 60);
  });
});

describe('Arrow IPC on /v1/search', () => {
  test('one row per query, hits as list columns equal to the JSON hits', async () => {
    const n = 20;
    const ids = fx.heldOut.cellIds.slice(0, n);
    const body = { embeddings: Array.from({ length: n }, (_, i) => fx.row(fx.heldOut, i)), k: 7, level: 'type' };
    const json = (await call(server.url, 'POST', '/v1/search', { body })).body;
    const r = await post(server.url, '/v1/search?k=7&level=type', arrowBody(cellsOf(n), n, fx.heldOut.dim, ids), ARROW_STREAM_TYPE, ARROW_STREAM_TYPE);
    assert.equal(r.status, 200);
    const t = r.table!;
    assert.equal(t.numRows, n);
    assert.deepEqual(t.schema.fields.map((f) => f.name), ['cell_id', 'hit_cell_id', 'hit_distance', 'hit_level1_system', 'hit_level2_lineage', 'hit_level3_type', 'hit_level4_subtype', 'hit_cl_id']);
    for (let q = 0; q < n; q++) {
      const hits = json.results[q].hits as { cell_id: string; distance: number; level3_type: string; cl_id: string | null }[];
      assert.equal(t.getChild('cell_id')!.get(q), ids[q]);
      assert.deepEqual([...t.getChild('hit_cell_id')!.get(q)!], hits.map((h) => h.cell_id));
      assert.deepEqual([...t.getChild('hit_distance')!.get(q)!], hits.map((h) => h.distance));
      assert.deepEqual([...t.getChild('hit_level3_type')!.get(q)!], hits.map((h) => h.level3_type));
      assert.deepEqual([...t.getChild('hit_cl_id')!.get(q)!], hits.map((h) => h.cl_id));
    }
    assert.equal(JSON.parse(t.schema.metadata.get('fractal_atlas.result')!).k, 7);
    const summary = await post(server.url, '/v1/search?summary=true', arrowBody(cellsOf(2), 2, fx.heldOut.dim), ARROW_STREAM_TYPE, ARROW_STREAM_TYPE);
    assert.equal(errorOf({ status: summary.status, headers: new Headers(), text: '', body: summary.json }).code, 'invalid_request');
  });
});

describe('responsiveness', () => {
  test('/healthz answers while a big Arrow annotate is decoded and run', async () => {
    // 4,500 cells: a 2.3 MB body, decoded in the body worker, annotated in chunks, answered in two record batches.
    const n = 4_500;
    const dim = fx.heldOut.dim;
    const values = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) values.set(fx.heldOut.embeddings.subarray((i % fx.heldOut.n) * dim, ((i % fx.heldOut.n) + 1) * dim), i * dim);
    const ids = Array.from({ length: n }, (_, i) => `q-${i}`);
    let finished = false;
    const big = post(server.url, '/v1/annotate', arrowBody(values, n, dim, ids), ARROW_STREAM_TYPE, ARROW_STREAM_TYPE).finally(() => (finished = true));
    let healthyDuring = 0;
    while (!finished) {
      const h = await call(server.url, 'GET', '/healthz');
      assert.equal(h.status, 200);
      if (!finished) healthyDuring++;
    }
    const r = await big;
    assert.equal(r.status, 200);
    const t = r.table!;
    assert.equal(t.numRows, n);
    // Streamed in several record batches: ids stay in order, and a tiled cell gets its first copy's answer.
    assert.ok(t.batches.length > 1);
    const label = t.getChild(`${fx.manifest.levelColumns.at(-1)!.split('_')[1]}_label`)!;
    for (const i of [0, 4095, 4096, n - 1]) {
      assert.equal(t.getChild('cell_id')!.get(i), ids[i]);
      assert.equal(label.get(i), label.get(i % fx.heldOut.n), `row ${i}`);
    }
    assert.ok(healthyDuring > 0, 'no /healthz answer came back while the annotate ran');
  });
});
