/**
 * End to end over real HTTP (listen(0)) against a small built index: the real build, the real service (a
 * pool of 2 worker threads), the real express app.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { openAtlasIndex, type AtlasIndexService } from '../../search/index.js';
import { LEVEL_COLUMNS, shortLevelName } from '../../common/index.js';
import { SILENT_LOGGER, createApp, startServer, type AppOptions, type RunningServer } from '../../server/index.js';
import { createDemoFixture, rawKnnAccuracy, type DemoFixture } from './demo-fixture.js';
import { call, errorOf } from './http-client.js';

const REFERENCE_CELLS = 3000;
const HELD_OUT_CELLS = 300;

let fx: DemoFixture;
let service: AtlasIndexService;
let server: RunningServer;
let url: string;
/** Raw-embedding 5-NN accuracy of the held-out cells, computed before any request: this brute force blocks
 *  the event loop for seconds on a busy machine, and doing it between two keep-alive requests lets the
 *  server's idle timeout close the socket that the client then reuses (ECONNRESET). */
let baseline: Record<string, number>;

/** A second app over the same service (other options), closed without closing the service. */
async function withApp(options: AppOptions, fn: (base: string) => Promise<void>): Promise<void> {
  const s: Server = createServer(createApp(service, { logger: SILENT_LOGGER, ...options }));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(s.address() as AddressInfo).port}`);
  } finally {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
}

before(async () => {
  fx = await createDemoFixture(REFERENCE_CELLS, HELD_OUT_CELLS);
  baseline = rawKnnAccuracy(fx.reference, fx.heldOut, 5);
  service = await openAtlasIndex(fx.indexDir, { adapterPath: fx.adapterPath, workers: 2 });
  server = await startServer(service, { port: 0, handleSignals: false, logger: SILENT_LOGGER });
  url = server.url;
});

after(async () => {
  await server?.close();
  await fx?.cleanup();
});

describe('service endpoints', () => {
  test('GET /healthz, /readyz, /openapi.json', async () => {
    assert.deepEqual((await call(url, 'GET', '/healthz')).body, { status: 'ok' });
    assert.deepEqual((await call(url, 'GET', '/readyz')).body, { status: 'ready' });
    const doc = (await call(url, 'GET', '/openapi.json')).body;
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.components.schemas.SearchRequest.properties.level.enum, fx.manifest.levelColumns.map(shortLevelName).concat(fx.manifest.levelColumns));
    assert.equal(doc.components.schemas.SearchRequest.properties.embeddings.items.minItems, 128);
  });

  test('GET /v1/info describes the built index', async () => {
    const r = await call(url, 'GET', '/v1/info');
    assert.equal(r.status, 200);
    assert.equal(r.body.num_cells, REFERENCE_CELLS);
    assert.equal(r.body.input_dim, 128);
    assert.deepEqual(r.body.levels.map((l: { column: string }) => l.column), fx.manifest.levelColumns);
    assert.equal(r.body.prefixes.length, fx.manifest.prefixes.length);
    assert.ok(r.body.vocabularies.level4_subtype.length > 50);
    assert.equal(r.body.adapter.identity, fx.adapterPath === 'identity');
  });

  test('POST /v1/search at every level returns k hits, nearest first, on the level\'s prefix', async () => {
    const info = (await call(url, 'GET', '/v1/info')).body;
    const query = fx.row(fx.heldOut, 0);
    for (const level of info.levels as { name: string; column: string; prefix: number; dims: number }[]) {
      const r = await call(url, 'POST', '/v1/search', { body: { embeddings: [query, fx.row(fx.heldOut, 1)], level: level.name, k: 7 } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.level, level.column);
      assert.equal(r.body.prefix, level.prefix);
      assert.equal(r.body.dims, level.dims);
      assert.equal(r.body.results.length, 2);
      for (const { hits } of r.body.results) {
        assert.equal(hits.length, 7);
        for (let i = 1; i < hits.length; i++) assert.ok(hits[i].distance >= hits[i - 1].distance - 1e-6);
        for (const h of hits) {
          assert.match(h.cell_id, /^demo-\d{6}$/);
          for (const c of LEVEL_COLUMNS) assert.ok(info.vocabularies[c].includes(h[c]), `${c} ${h[c]}`);
        }
      }
    }
    for (const p of fx.manifest.prefixes) {
      const r = await call(url, 'POST', '/v1/search', { body: { embeddings: [query], prefix: p.prefix, k: 3 } });
      assert.equal(r.status, 200);
      assert.equal(r.body.prefix, p.prefix);
      assert.equal(r.body.dims, p.dims);
      assert.equal(r.body.level, null);
    }
  });

  test('a reference cell finds itself first at the subtype level, by embedding and by cell id', async () => {
    const rows = [0, 17, 401, 2222, REFERENCE_CELLS - 1];
    const r = await call(url, 'POST', '/v1/search', { body: { embeddings: rows.map((i) => fx.row(fx.reference, i)), level: 'subtype', k: 5 } });
    assert.equal(r.status, 200, r.text);
    rows.forEach((i, q) => {
      const first = r.body.results[q].hits[0];
      assert.equal(first.cell_id, fx.reference.cellIds[i]);
      assert.ok(first.distance < 1e-3, `distance ${first.distance}`);
      assert.equal(first.level4_subtype, fx.reference.labels.level4_subtype[i]);
      assert.equal(first.level1_system, fx.reference.labels.level1_system[i]);
    });
    const byId = await call(url, 'POST', '/v1/search', { body: { cell_ids: rows.map((i) => fx.reference.cellIds[i]), level: 'subtype', k: 2 } });
    assert.equal(byId.status, 200, byId.text);
    rows.forEach((i, q) => assert.equal(byId.body.results[q].hits[0].cell_id, fx.reference.cellIds[i]));
  });

  test('filters, max_dist, centroid and summary', async () => {
    const query = fx.row(fx.heldOut, 3);
    const inc = await call(url, 'POST', '/v1/search', { body: { embeddings: [query], level: 'type', k: 10, filter: { include: { system: ['Neural'] } } } });
    assert.equal(inc.status, 200, inc.text);
    assert.equal(inc.body.results[0].hits.length, 10);
    for (const h of inc.body.results[0].hits) assert.equal(h.level1_system, 'Neural');
    const exc = await call(url, 'POST', '/v1/search', { body: { embeddings: [query], level: 'type', k: 10, filter: { exclude: { level1_system: ['Immune', 'Epithelial'] } } } });
    for (const h of exc.body.results[0].hits) assert.ok(!['Immune', 'Epithelial'].includes(h.level1_system));
    const unfiltered = await call(url, 'POST', '/v1/search', { body: { embeddings: [query], level: 'subtype', k: 10 } });
    const cut = unfiltered.body.results[0].hits[4].distance;
    const near = await call(url, 'POST', '/v1/search', { body: { embeddings: [query], level: 'subtype', k: 10, max_dist: cut } });
    assert.ok(near.body.results[0].hits.length >= 5 && near.body.results[0].hits.length < 10);
    for (const h of near.body.results[0].hits) assert.ok(h.distance <= cut + 1e-6);
    const centroid = await call(url, 'POST', '/v1/search', { body: { embeddings: [0, 1, 2].map((i) => fx.row(fx.heldOut, i)), centroid: true, k: 4, summary: true } });
    assert.equal(centroid.status, 200, centroid.text);
    assert.equal(centroid.body.results.length, 1);
    const summary = centroid.body.results[0].summary;
    for (const c of LEVEL_COLUMNS) assert.equal(Object.values(summary[c] as Record<string, number>).reduce((a, b) => a + b, 0), 4);
  });

  test('POST /v1/annotate on held-out cells reaches the raw-embedding 5-NN accuracy; calls are hierarchy-consistent', async () => {
    const n = fx.heldOut.n;
    const body = { embeddings: Array.from({ length: n }, (_, i) => fx.row(fx.heldOut, i)), k: 5 };
    const r = await call(url, 'POST', '/v1/annotate', { body });
    assert.equal(r.status, 200, r.text.slice(0, 300));
    assert.equal(r.body.cells.length, n);
    const tuples = new Set<string>();
    for (let i = 0; i < fx.reference.n; i++) tuples.add(LEVEL_COLUMNS.map((c) => fx.reference.labels[c][i]).join('|'));
    // Paired comparison on the same held-out cells; the slack covers sampling noise of 300 cells (and, for the
    // identity adapter, which is the raw space searched approximately, HNSW's recall).
    const slack = fx.adapterPath === 'identity' ? 0.02 : 0.01;
    for (const c of fx.manifest.levelColumns) {
      let correct = 0;
      for (let i = 0; i < n; i++) if (r.body.cells[i].levels[c].label === fx.heldOut.labels[c][i]) correct++;
      const acc = correct / n;
      assert.ok(acc >= baseline[c] - slack, `${c}: annotate ${acc.toFixed(3)} < raw 5-NN ${baseline[c].toFixed(3)}`);
    }
    for (const cell of r.body.cells) {
      const labels = LEVEL_COLUMNS.map((c) => cell.consistent[c]?.label);
      if (labels.every((l) => typeof l === 'string' && l !== 'unassigned')) assert.ok(tuples.has(labels.join('|')), labels.join(' > '));
      assert.equal(typeof cell.out_of_reference, 'boolean');
      assert.ok(cell.nearest_distance >= 0);
    }
  });

  test('annotate: min_confidence turns weak levels into "unassigned"; weighting is echoed', async () => {
    const r = await call(url, 'POST', '/v1/annotate', { body: { embeddings: [0, 1, 2, 3].map((i) => fx.row(fx.heldOut, i)), k: 10, weighting: 'distance', min_confidence: 1 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.weighting, 'distance');
    for (const cell of r.body.cells) {
      for (const c of fx.manifest.levelColumns) {
        const vote = cell.levels[c];
        assert.equal(vote.label === 'unassigned', vote.confidence < 1, `${c} ${vote.label} ${vote.confidence}`);
      }
    }
  });

  test('GET /metrics counts what was served', async () => {
    // A fresh app (fresh metrics) over the same service: the counts are this test's own requests.
    await withApp({}, async (base) => {
      const query = fx.row(fx.heldOut, 5);
      for (const level of fx.manifest.levelColumns.map(shortLevelName)) {
        assert.equal((await call(base, 'POST', '/v1/search', { body: { embeddings: [query], level, k: 3 } })).status, 200);
      }
      assert.equal((await call(base, 'POST', '/v1/annotate', { body: { embeddings: [query, fx.row(fx.heldOut, 6)], k: 3 } })).status, 200);
      const text = (await call(base, 'GET', '/metrics')).text;
      const levels = fx.manifest.levelColumns.length;
      assert.match(text, new RegExp(`fractal_atlas_http_request_duration_seconds_count\\{method="POST",route="/v1/search",status="200"\\} ${levels}\\n`));
      for (const level of fx.manifest.levelColumns.map(shortLevelName)) assert.match(text, new RegExp(`fractal_atlas_search_duration_seconds_count\\{level="${level}"\\} 1\\n`));
      assert.match(text, /fractal_atlas_cells_annotated_total 2\n/);
      assert.match(text, new RegExp(`fractal_atlas_index_vectors\\{prefix="1",level="[^"]+"\\} ${REFERENCE_CELLS}`));
      assert.match(text, new RegExp(`fractal_atlas_adapter_inference_duration_seconds_count ${levels + 1}\\n`));
      assert.match(text, /fractal_atlas_nodejs_eventloop_lag_seconds/);
    });
  });
});

describe('error statuses over real HTTP', () => {
  const search = (body: unknown) => call(url, 'POST', '/v1/search', { body });

  test('400: bad JSON, wrong dimension, NaN as string or null, unknown level or label, k out of range', async () => {
    const q = fx.row(fx.heldOut, 0);
    const bad = await call(url, 'POST', '/v1/search', { raw: '{"embeddings": [[0.1, 0.2,' });
    assert.equal(bad.status, 400);
    assert.equal(errorOf(bad).code, 'invalid_json');
    const cases: [unknown, string, RegExp][] = [
      [{ embeddings: [q.slice(0, 127)] }, 'wrong_dimension', /embeddings\[0\] has 127 values; this index takes 128-dimensional/],
      [{ embeddings: [q, [...q.slice(0, 5), 'NaN', ...q.slice(6)]] }, 'non_finite', /embeddings\[1\]\[5\] must be a finite number, got the string "NaN"/],
      [{ embeddings: [[null, ...q.slice(1)]] }, 'non_finite', /embeddings\[0\]\[0\] must be a finite number, got null/],
      [{ embeddings: [q], level: 'organ' }, 'unknown_level', new RegExp(`level must be one of ${fx.manifest.levelColumns.map(shortLevelName).join(', ')} .*got the string "organ"`)],
      [{ embeddings: [q], filter: { include: { subtype: ['unicorn cell'] } } }, 'unknown_label', /filter\.include\.subtype\[0\] is an unknown subtype label "unicorn cell"/],
      [{ embeddings: [q], k: 1001 }, 'k_out_of_range', /k must be an integer in 1\.\.1000, got number 1001/],
      [{ embeddings: [q], k: 3.5 }, 'k_out_of_range', /got number 3\.5/],
    ];
    for (const [body, code, message] of cases) {
      const r = await search(body);
      assert.equal(r.status, 400, r.text);
      assert.equal(errorOf(r).code, code);
      assert.match(errorOf(r).message, message);
    }
    const ann = await call(url, 'POST', '/v1/annotate', { body: { embeddings: [q], k: 0 } });
    assert.equal(ann.status, 400);
    assert.equal(errorOf(ann).code, 'k_out_of_range');
  });

  test('404: unknown cell id and unknown route', async () => {
    const r = await search({ cell_ids: [fx.reference.cellIds[0], 'demo-999999'] });
    assert.equal(r.status, 404);
    assert.equal(errorOf(r).code, 'unknown_cell_id');
    assert.match(errorOf(r).message, /demo-999999/);
    const route = await call(url, 'POST', '/v1/serach', { body: {} });
    assert.equal(route.status, 404);
    assert.equal(errorOf(route).code, 'not_found');
  });

  test('413: body over the limit, more than 10,000 cells; 415: not JSON', async () => {
    const many = await call(url, 'POST', '/v1/annotate', { body: { embeddings: Array.from({ length: 10_001 }, () => [0]) } });
    assert.equal(many.status, 413);
    assert.deepEqual(errorOf(many), { code: 'batch_too_large', message: 'embeddings has 10001 rows; at most 10000 cells per request' });
    await withApp({ limits: { maxBodyBytes: 10_000 } }, async (base) => {
      const big = await call(base, 'POST', '/v1/search', { body: { embeddings: Array.from({ length: 20 }, (_, i) => fx.row(fx.heldOut, i)) } });
      assert.equal(big.status, 413);
      assert.equal(errorOf(big).code, 'payload_too_large');
      assert.equal((await call(base, 'GET', '/healthz')).status, 200);
    });
    const form = await call(url, 'POST', '/v1/search', { raw: 'cell_ids=demo-000001', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(form.status, 415);
    assert.equal(errorOf(form).code, 'unsupported_media_type');
  });

  test('401: bearer token required on /v1 when an API key is set', async () => {
    await withApp({ apiKey: 'e2e-key' }, async (base) => {
      const r = await call(base, 'POST', '/v1/search', { body: { cell_ids: [fx.reference.cellIds[0]] } });
      assert.equal(r.status, 401);
      assert.equal(errorOf(r).code, 'unauthorized');
      const ok = await call(base, 'POST', '/v1/search', { body: { cell_ids: [fx.reference.cellIds[0]], k: 1 }, headers: { authorization: 'Bearer e2e-key' } });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.results[0].hits[0].cell_id, fx.reference.cellIds[0]);
    });
  });
});
