import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { IDENTITY_ADAPTER } from '../../adapter/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { openAtlasIndex, searchChunkRows, type AtlasIndexService } from '../../search/index.js';
import { DEFAULT_LIMITS, SILENT_LOGGER, startServer, type RunningServer } from '../../server/index.js';
import { writeSyntheticAtlas, type SyntheticAtlas } from '../search/fixtures.js';
import { call, errorOf } from './http-client.js';

let atlas: SyntheticAtlas;
let service: AtlasIndexService;
let server: RunningServer;

before(async () => {
  atlas = await writeSyntheticAtlas(10, 64);
  const dir = join(atlas.dir, 'idx');
  await buildAtlasIndex({ referencePath: atlas.path, adapterPath: IDENTITY_ADAPTER, outDir: dir, threads: 1 });
  service = await openAtlasIndex(dir, { adapterPath: IDENTITY_ADAPTER, workers: 1 });
  server = await startServer(service, { port: 0, handleSignals: false, logger: SILENT_LOGGER, limits: { maxResultHits: 20_000 } });
});

after(async () => {
  await server?.close();
  await atlas?.cleanup();
});

const ids = (n: number) => Array.from({ length: n }, (_, i) => `cell-${i % 160}`);

test('an answer over cells × k is refused up front with 413 result_too_large naming the limit', async () => {
  assert.equal(DEFAULT_LIMITS.maxResultHits, 1_000_000);
  const r = await call(server.url, 'POST', '/v1/search', { body: { cell_ids: ids(201), k: 100 } });
  assert.equal(r.status, 413);
  const e = errorOf(r);
  assert.equal(e.code, 'result_too_large');
  assert.match(e.message, /201 cells × k 100 = 20,100 neighbours; the limit is 20,000 per request \(cells × k\)/);
  // A centroid answers one list of k: the same cells are fine then.
  const centroid = await call(server.url, 'POST', '/v1/search', { body: { cell_ids: ids(201), k: 100, centroid: true } });
  assert.equal(centroid.status, 200);
  assert.equal(centroid.body.results.length, 1);
});

test('the largest answer inside the limit is 200, streamed in pieces, equal to the in-memory result', async () => {
  const body = { cell_ids: ids(200), k: 100, summary: true };
  assert.ok(200 / searchChunkRows(100) > 4, 'the request is cut into several jobs');
  const r = await call(server.url, 'POST', '/v1/search', { body });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-length'), String(Buffer.byteLength(r.text)));
  const direct = await service.search({ cellIds: body.cell_ids, n: 200, k: 100, summary: true });
  const { timings: _t1, ...got } = r.body;
  const { timings: _t2, ...want } = JSON.parse(JSON.stringify(direct));
  assert.deepEqual(got, want);
  assert.equal(got.results.length, 200);
  assert.equal(got.results[7].hits.length, 100);
  assert.equal(got.results[7].hits[0].cell_id, 'cell-7');
});

test('a big annotate is streamed in pieces and parses to the in-memory result', async () => {
  const n = 300;
  const embeddings = Array.from({ length: n }, (_, i) => Array.from(atlas.embeddings.subarray((i % 160) * 16, (i % 160 + 1) * 16)));
  const r = await call(server.url, 'POST', '/v1/annotate', { body: { embeddings, k: 20 } });
  assert.equal(r.status, 200);
  const direct = await service.annotate({ embeddings: Float32Array.from(embeddings.flat()), n, k: 20, weighting: 'uniform' });
  assert.deepEqual(r.body.cells, JSON.parse(JSON.stringify(direct.cells)));
});
