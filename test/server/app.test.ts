/**
 * The HTTP layer against the real index service on a tiny real index: every answer checked here is what the
 * real service computes. Each test starts its own server (its own metrics and log), so no test depends on
 * another's requests.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AtlasError } from '../../common/index.js';
import type { AtlasIndexService, SearchQuery } from '../../search/index.js';
import { SILENT_LOGGER, startServer, type Logger, type RunningServer, type StartServerOptions } from '../../server/index.js';
import { call, errorOf } from './http-client.js';
import { TINY_DIM, TINY_SUBTYPES, useTinyService, wrapService } from './tiny-index.js';

const LIMITS = { maxBodyBytes: 4096, maxCells: 20 };

const fx = useTinyService();

/** Serves `service` (the real one by default) for the duration of `fn`. */
async function withServer(fn: (url: string) => Promise<void>, options: StartServerOptions = {}, service: AtlasIndexService = wrapService(fx.real)): Promise<void> {
  const server: RunningServer = await startServer(service, { port: 0, handleSignals: false, logger: SILENT_LOGGER, limits: LIMITS, ...options });
  try {
    await fn(server.url);
  } finally {
    await server.close();
  }
}

const padded = (values: unknown[]) => [...values, ...Array.from({ length: TINY_DIM - values.length }, () => 0)];

describe('HTTP layer over the real service', () => {
  test('GET /healthz and /readyz answer 200 when ready', () =>
    withServer(async (url) => {
      assert.deepEqual((await call(url, 'GET', '/healthz')).body, { status: 'ok' });
      const r = await call(url, 'GET', '/readyz');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { status: 'ready' });
    }));

  test('GET /v1/info returns the service description', () =>
    withServer(async (url) => {
      const r = await call(url, 'GET', '/v1/info');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, JSON.parse(JSON.stringify(fx.real.info())));
      assert.equal(r.body.input_dim, TINY_DIM);
      assert.deepEqual(r.body.levels.map((l: { name: string }) => l.name), ['system', 'lineage', 'type', 'subtype']);
    }));

  test('POST /v1/search hands the service one row-major Float32Array and returns its answer', async () => {
    const seen: SearchQuery[] = [];
    const recording = wrapService(fx.real, { search: (q) => (seen.push(q), fx.real.search(q)) });
    await withServer(async (url) => {
      const cell = fx.tiny.cells[9]!;
      const r = await call(url, 'POST', '/v1/search', { body: { embeddings: [cell.vector, fx.tiny.centre(4)], level: 'subtype', k: 2 } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.level, 'level4_subtype');
      const first = r.body.results[0].hits[0];
      assert.equal(first.cell_id, cell.id);
      assert.ok(first.distance < 1e-5);
      assert.equal(first.level4_subtype, TINY_SUBTYPES[cell.subtype]![3]);
      assert.equal(r.body.results[1].hits[0].level4_subtype, 'interneuron');
      const q = seen[0]!;
      assert.ok(q.embeddings instanceof Float32Array);
      assert.equal(q.n, 2);
      assert.deepEqual(Array.from(q.embeddings!), Array.from(Float32Array.from([...cell.vector, ...fx.tiny.centre(4)])));
    }, {}, recording);
  });

  test('POST /v1/search plan: funnel reaches the service, an unknown plan is 400 naming the field', async () => {
    const seen: SearchQuery[] = [];
    const recording = wrapService(fx.real, { search: (q) => (seen.push(q), fx.real.search(q)) });
    await withServer(async (url) => {
      const cell = fx.tiny.cells[9]!;
      const funnel = await call(url, 'POST', '/v1/search', { body: { embeddings: [cell.vector], level: 'subtype', k: 2, plan: 'funnel' } });
      assert.equal(funnel.status, 200, funnel.text);
      assert.equal(funnel.body.results[0].hits[0].cell_id, cell.id);
      assert.deepEqual(seen.map((q) => q.plan), ['funnel']);
      await call(url, 'POST', '/v1/search', { body: { embeddings: [cell.vector], k: 2 } });
      assert.equal(seen[1]!.plan, 'hnsw');
      const bad = await call(url, 'POST', '/v1/search', { body: { embeddings: [cell.vector], plan: 'fastest' } });
      assert.equal(bad.status, 400);
      assert.equal(errorOf(bad).code, 'invalid_request');
      assert.match(errorOf(bad).message, /plan/);
      const doc = await call(url, 'GET', '/openapi.json');
      assert.deepEqual(doc.body.components.schemas.SearchRequest.properties.plan.enum, ['hnsw', 'funnel']);
    }, {}, recording);
  });

  test('POST /v1/search by cell id; an unknown id is a 404 unknown_cell_id naming it', () =>
    withServer(async (url) => {
      const ok = await call(url, 'POST', '/v1/search', { body: { cell_ids: ['c3'], k: 1 } });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.results[0].hits[0].cell_id, 'c3');
      const r = await call(url, 'POST', '/v1/search', { body: { cell_ids: ['nope'] } });
      assert.equal(r.status, 404);
      assert.equal(errorOf(r).code, 'unknown_cell_id');
      assert.match(errorOf(r).message, /"nope"/);
    }));

  test('POST /v1/annotate returns one annotation per cell: the vote of its cluster', () =>
    withServer(async (url) => {
      const r = await call(url, 'POST', '/v1/annotate', { body: { embeddings: [fx.tiny.centre(4), fx.tiny.centre(2)], k: 5 } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.cells.length, 2);
      assert.equal(r.body.cells[0].consistent.level4_subtype.label, 'interneuron');
      assert.equal(r.body.cells[1].consistent.level2_lineage.label, 'Myeloid');
      assert.equal(r.body.cells[1].levels.level4_subtype.confidence, 1);
    }));

  test('validation errors are 400 with the code and the path of the bad field', () =>
    withServer(async (url) => {
      const cases: [unknown, string, RegExp][] = [
        [{ embeddings: [[1, 2, 3]] }, 'wrong_dimension', /embeddings\[0\] has 3 values/],
        [{ embeddings: [padded([1, 2, 'NaN'])] }, 'non_finite', /embeddings\[0\]\[2\]/],
        [{ embeddings: [padded([1, 2, null])] }, 'non_finite', /got null/],
        [{ cell_ids: ['c1'], level: 'tissue' }, 'unknown_level', /system, lineage, type, subtype/],
        [{ cell_ids: ['c1'], filter: { include: { type: ['B cell'] } } }, 'unknown_label', /filter\.include\.type\[0\] is an unknown type label "B cell"/],
        [{ cell_ids: ['c1'], k: 0 }, 'k_out_of_range', /1\.\.1000/],
      ];
      for (const [body, code, message] of cases) {
        const r = await call(url, 'POST', '/v1/search', { body });
        assert.equal(r.status, 400, JSON.stringify(body));
        const e = errorOf(r);
        assert.equal(e.code, code);
        assert.match(e.message, message);
      }
    }));

  test('bad JSON is 400 invalid_json; NaN literals are bad JSON', () =>
    withServer(async (url) => {
      for (const raw of ['{"embeddings": [[1,2', '{"embeddings": [[NaN, 1, 2, 3]]}']) {
        const r = await call(url, 'POST', '/v1/search', { raw });
        assert.equal(r.status, 400);
        assert.equal(errorOf(r).code, 'invalid_json');
      }
    }));

  test('wrong content type is 415, a missing body 400', () =>
    withServer(async (url) => {
      const r = await call(url, 'POST', '/v1/search', { raw: '{"cell_ids":["c1"]}', headers: { 'content-type': 'text/plain' } });
      assert.equal(r.status, 415);
      assert.equal(errorOf(r).code, 'unsupported_media_type');
      const empty = await call(url, 'POST', '/v1/annotate');
      assert.equal(empty.status, 400);
      assert.match(errorOf(empty).message, /request body is required/);
    }));

  test('over the body limit is 413 payload_too_large; over the cell limit 413 batch_too_large', () =>
    withServer(async (url) => {
      const body = { cell_ids: Array.from({ length: 1000 }, (_, i) => `cell-${i}`) };
      const big = await call(url, 'POST', '/v1/search', { body });
      assert.equal(big.status, 413);
      const declared = Buffer.byteLength(JSON.stringify(body));
      assert.deepEqual(errorOf(big), { code: 'payload_too_large', message: `request body is larger than the limit of 4096 bytes (Content-Length ${declared}); split the request` });
      const many = await call(url, 'POST', '/v1/annotate', { body: { embeddings: Array.from({ length: 21 }, () => fx.tiny.centre(0)) } });
      assert.equal(many.status, 413);
      assert.equal(errorOf(many).code, 'batch_too_large');
      // The server is still fine afterwards.
      assert.equal((await call(url, 'GET', '/healthz')).status, 200);
    }));

  test('unknown route is 404 not_found; a wrong method on a known route 405 with Allow', () =>
    withServer(async (url) => {
      const r = await call(url, 'GET', '/v2/search');
      assert.equal(r.status, 404);
      assert.deepEqual(errorOf(r), { code: 'not_found', message: 'no route GET /v2/search' });
      const m = await call(url, 'GET', '/v1/search');
      assert.equal(m.status, 405);
      assert.equal(m.headers.get('allow'), 'POST');
      assert.equal(errorOf(m).code, 'method_not_allowed');
    }));

  test('GET /openapi.json is an OpenAPI 3 document of every route, levels and dims from the manifest', () =>
    withServer(async (url) => {
      const r = await call(url, 'GET', '/openapi.json');
      assert.equal(r.body.openapi, '3.1.0');
      assert.deepEqual(Object.keys(r.body.paths).sort(), ['/healthz', '/metrics', '/openapi.json', '/readyz', '/v1/annotate', '/v1/info', '/v1/map', '/v1/search']);
      const search = r.body.components.schemas.SearchRequest.properties;
      assert.deepEqual(search.level.enum, ['system', 'lineage', 'type', 'subtype', 'level1_system', 'level2_lineage', 'level3_type', 'level4_subtype']);
      assert.equal(search.embeddings.maxItems, LIMITS.maxCells);
      assert.equal(search.embeddings.items.minItems, TINY_DIM);
      assert.ok(r.body.paths['/v1/search'].post.responses['413']);
      // Every $ref resolves to a schema of the document.
      const refs = JSON.stringify(r.body).match(/"\$ref":"[^"]+"/g) ?? [];
      assert.ok(refs.length >= 10);
      for (const ref of refs) {
        const name = /#\/components\/schemas\/(\w+)/.exec(ref)?.[1];
        assert.ok(name && r.body.components.schemas[name], ref);
      }
    }));

  test('GET /metrics counts the requests of this server: request, search, annotate, adapter and index metrics', () =>
    withServer(async (url) => {
      assert.equal((await call(url, 'POST', '/v1/search', { body: { cell_ids: ['c1'], level: 'subtype', k: 1 } })).status, 200);
      assert.equal((await call(url, 'GET', '/v2/nothing')).status, 404);
      assert.equal((await call(url, 'POST', '/v1/annotate', { body: { embeddings: [fx.tiny.centre(0), fx.tiny.centre(1)], k: 3 } })).status, 200);
      const r = await call(url, 'GET', '/metrics');
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type')!, /text\/plain/);
      assert.match(r.text, /fractal_atlas_http_request_duration_seconds_count\{method="POST",route="\/v1\/search",status="200"\} 1\n/);
      assert.match(r.text, /fractal_atlas_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1\n/);
      assert.match(r.text, /fractal_atlas_search_duration_seconds_count\{level="subtype"\} 1\n/);
      assert.match(r.text, /fractal_atlas_cells_annotated_total 2\n/);
      const levels = fx.tiny.manifest.levelColumns.join('\\+');
      assert.match(r.text, new RegExp(`fractal_atlas_index_vectors\\{prefix="1",level="${levels}"\\} ${fx.tiny.cells.length}\\n`));
      assert.match(r.text, /fractal_atlas_adapter_inference_duration_seconds_count 1\n/);
      assert.match(r.text, /fractal_atlas_process_cpu_user_seconds_total/);
    }));

  test('one log line per request, with status and cell count', async () => {
    const lines: string[] = [];
    const logger: Logger = { info: (e, f) => lines.push(`${e} ${JSON.stringify(f)}`), error: (e, f) => lines.push(`ERROR ${e} ${JSON.stringify(f)}`) };
    await withServer(async (url) => {
      assert.equal((await call(url, 'POST', '/v1/annotate', { body: { embeddings: [fx.tiny.centre(3), fx.tiny.centre(4)], k: 1 } })).status, 200);
      assert.equal((await call(url, 'GET', '/healthz')).status, 200);
    }, { logger });
    const requests = lines.filter((l) => l.startsWith('request '));
    assert.equal(requests.length, 2);
    assert.match(requests[0]!, /"path":"\/v1\/annotate","status":"200".*"cells":2/);
    assert.match(requests[1]!, /"path":"\/healthz","status":"200"/);
  });
});

describe('errors raised by the service', () => {
  test('an unexpected error is a logged 500 internal without the stack; an AtlasError keeps its status', async () => {
    const logged: string[] = [];
    const logger: Logger = { info() {}, error: (e, f) => logged.push(`${e} ${String(f?.error)}`) };
    const boom = wrapService(fx.real, { search: async () => Promise.reject(new Error('secret detail at /srv/x.js:1')) });
    await withServer(async (url) => {
      const r = await call(url, 'POST', '/v1/search', { body: { cell_ids: ['c1'] } });
      assert.equal(r.status, 500);
      assert.deepEqual(r.body, { error: { code: 'internal', message: 'internal error' } });
      assert.doesNotMatch(r.text, /secret|x\.js/);
      assert.equal(logged.length, 1);
      assert.match(logged[0]!, /internal_error Error: secret detail/);
    }, { logger }, boom);
    const mismatch = wrapService(fx.real, { search: async () => Promise.reject(new AtlasError('index_mismatch', 'prefix-2 file changed')) });
    await withServer(async (url) => {
      const r = await call(url, 'POST', '/v1/search', { body: { cell_ids: ['c1'] } });
      assert.equal(r.status, 409);
      assert.deepEqual(r.body, { error: { code: 'index_mismatch', message: 'prefix-2 file changed' } });
    }, {}, mismatch);
  });
});

describe('readiness', () => {
  test('/readyz and /v1 answer 503 not_ready until the service is ready; /healthz stays 200', async () => {
    // The real service is ready once opened; only the flag is stood in for.
    let ready = false;
    let searches = 0;
    const starting = wrapService(fx.real, { ready: () => ready, search: (q) => (searches++, fx.real.search(q)) });
    await withServer(async (url) => {
      assert.equal((await call(url, 'GET', '/healthz')).status, 200);
      const r = await call(url, 'GET', '/readyz');
      assert.equal(r.status, 503);
      assert.equal(errorOf(r).code, 'not_ready');
      const q = await call(url, 'POST', '/v1/search', { body: { cell_ids: ['c1'] } });
      assert.equal(q.status, 503);
      assert.equal(searches, 0);
      ready = true;
      assert.equal((await call(url, 'GET', '/readyz')).status, 200);
      assert.equal((await call(url, 'POST', '/v1/search', { body: { cell_ids: ['c1'] } })).status, 200);
      assert.equal(searches, 1);
    }, {}, starting);
  });
});
