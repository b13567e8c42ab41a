import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AtlasError } from '../../common/index.js';
import { SILENT_LOGGER, startServer, type Logger, type RunningServer, type StartServerOptions } from '../../server/index.js';
import { createFakeService, type FakeService } from './fake-service.js';
import { call, errorOf } from './http-client.js';

async function serve(service: FakeService, options: StartServerOptions = {}): Promise<RunningServer> {
  return startServer(service, { port: 0, handleSignals: false, logger: SILENT_LOGGER, ...options });
}

describe('HTTP layer over a fake service', () => {
  let service: FakeService;
  let server: RunningServer;
  const lines: string[] = [];
  const logger: Logger = { info: (e, f) => lines.push(`${e} ${JSON.stringify(f)}`), error: (e, f) => lines.push(`ERROR ${e} ${JSON.stringify(f)}`) };
  before(async () => {
    service = createFakeService();
    server = await serve(service, { logger, limits: { maxBodyBytes: 4096, maxCells: 20 } });
  });
  after(() => server.close());

  test('GET /healthz and /readyz answer 200 when ready', async () => {
    assert.deepEqual((await call(server.url, 'GET', '/healthz')).body, { status: 'ok' });
    const r = await call(server.url, 'GET', '/readyz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ready' });
  });

  test('GET /v1/info returns the service description', async () => {
    const r = await call(server.url, 'GET', '/v1/info');
    assert.equal(r.status, 200);
    assert.equal(r.body.input_dim, 4);
    assert.deepEqual(r.body.levels.map((l: { name: string }) => l.name), ['system', 'lineage', 'type', 'subtype']);
  });

  test('POST /v1/search hands the service a Float32Array and returns its hits', async () => {
    const r = await call(server.url, 'POST', '/v1/search', { body: { embeddings: [[0.9, 0.1, 0, 0]], level: 'subtype', k: 2 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.level, 'level4_subtype');
    assert.deepEqual(r.body.results[0].hits.map((h: { cell_id: string }) => h.cell_id), ['c1', 'c0']);
    const q = service.searches.at(-1)!;
    assert.ok(q.embeddings instanceof Float32Array);
    assert.equal(q.n, 1);
    assert.ok(Math.abs(q.embeddings![0]! - 0.9) < 1e-6);
  });

  test('POST /v1/search by cell id; an unknown id is a 404 unknown_cell_id', async () => {
    const ok = await call(server.url, 'POST', '/v1/search', { body: { cell_ids: ['c3'], k: 1 } });
    assert.equal(ok.body.results[0].hits[0].cell_id, 'c3');
    const r = await call(server.url, 'POST', '/v1/search', { body: { cell_ids: ['nope'] } });
    assert.equal(r.status, 404);
    assert.deepEqual(errorOf(r), { code: 'unknown_cell_id', message: 'unknown cell id "nope"' });
  });

  test('POST /v1/annotate returns one annotation per cell', async () => {
    const r = await call(server.url, 'POST', '/v1/annotate', { body: { embeddings: [[0, 0, 0, 1], [0, 1, 0, 0]], k: 1 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.cells.length, 2);
    assert.equal(r.body.cells[0].consistent.level4_subtype.label, 'interneuron');
    assert.equal(r.body.cells[1].consistent.level2_lineage.label, 'Myeloid');
  });

  test('validation errors are 400 with the code and the path of the bad field', async () => {
    const cases: [unknown, string, RegExp][] = [
      [{ embeddings: [[1, 2, 3]] }, 'wrong_dimension', /embeddings\[0\] has 3 values/],
      [{ embeddings: [[1, 2, 'NaN', 4]] }, 'non_finite', /embeddings\[0\]\[2\]/],
      [{ embeddings: [[1, 2, null, 4]] }, 'non_finite', /got null/],
      [{ cell_ids: ['c1'], level: 'tissue' }, 'unknown_level', /system, lineage, type, subtype/],
      [{ cell_ids: ['c1'], filter: { include: { type: ['B cell'] } } }, 'unknown_label', /filter\.include\.type\[0\] is an unknown type label "B cell"/],
      [{ cell_ids: ['c1'], k: 0 }, 'k_out_of_range', /1\.\.1000/],
    ];
    for (const [body, code, message] of cases) {
      const r = await call(server.url, 'POST', '/v1/search', { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      const e = errorOf(r);
      assert.equal(e.code, code);
      assert.match(e.message, message);
    }
  });

  test('bad JSON is 400 invalid_json; NaN literals are bad JSON', async () => {
    for (const raw of ['{"embeddings": [[1,2', '{"embeddings": [[NaN, 1, 2, 3]]}']) {
      const r = await call(server.url, 'POST', '/v1/search', { raw });
      assert.equal(r.status, 400);
      assert.equal(errorOf(r).code, 'invalid_json');
    }
  });

  test('wrong content type is 415, a missing body 400', async () => {
    const r = await call(server.url, 'POST', '/v1/search', { raw: '{"cell_ids":["c1"]}', headers: { 'content-type': 'text/plain' } });
    assert.equal(r.status, 415);
    assert.equal(errorOf(r).code, 'unsupported_media_type');
    const empty = await call(server.url, 'POST', '/v1/annotate');
    assert.equal(empty.status, 400);
    assert.match(errorOf(empty).message, /request body is required/);
  });

  test('over the body limit is 413 payload_too_large; over the cell limit 413 batch_too_large', async () => {
    const big = await call(server.url, 'POST', '/v1/search', { body: { cell_ids: Array.from({ length: 1000 }, (_, i) => `cell-${i}`) } });
    assert.equal(big.status, 413);
    assert.deepEqual(errorOf(big), { code: 'payload_too_large', message: 'request body is larger than the limit of 4096 bytes' });
    const many = await call(server.url, 'POST', '/v1/annotate', { body: { embeddings: Array.from({ length: 21 }, () => [1, 0, 0, 0]) } });
    assert.equal(many.status, 413);
    assert.equal(errorOf(many).code, 'batch_too_large');
    // The server is still fine afterwards.
    assert.equal((await call(server.url, 'GET', '/healthz')).status, 200);
  });

  test('unknown route is 404 not_found; a wrong method on a known route 405 with Allow', async () => {
    const r = await call(server.url, 'GET', '/v2/search');
    assert.equal(r.status, 404);
    assert.deepEqual(errorOf(r), { code: 'not_found', message: 'no route GET /v2/search' });
    const m = await call(server.url, 'GET', '/v1/search');
    assert.equal(m.status, 405);
    assert.equal(m.headers.get('allow'), 'POST');
    assert.equal(errorOf(m).code, 'method_not_allowed');
  });

  test('GET /openapi.json is an OpenAPI 3 document of every route, levels from the manifest', async () => {
    const r = await call(server.url, 'GET', '/openapi.json');
    assert.equal(r.body.openapi, '3.1.0');
    assert.deepEqual(Object.keys(r.body.paths).sort(), ['/healthz', '/metrics', '/openapi.json', '/readyz', '/v1/annotate', '/v1/info', '/v1/search']);
    const search = r.body.components.schemas.SearchRequest.properties;
    assert.deepEqual(search.level.enum, ['system', 'lineage', 'type', 'subtype', 'level1_system', 'level2_lineage', 'level3_type', 'level4_subtype']);
    assert.equal(search.embeddings.maxItems, 20);
    assert.equal(search.embeddings.items.minItems, 4);
    assert.ok(r.body.paths['/v1/search'].post.responses['413']);
    // Every $ref resolves to a schema of the document.
    const refs = JSON.stringify(r.body).match(/"\$ref":"[^"]+"/g) ?? [];
    assert.ok(refs.length >= 10);
    for (const ref of refs) {
      const name = /#\/components\/schemas\/(\w+)/.exec(ref)?.[1];
      assert.ok(name && r.body.components.schemas[name], ref);
    }
  });

  test('GET /metrics exposes request, search, annotate, adapter and index metrics', async () => {
    const r = await call(server.url, 'GET', '/metrics');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /text\/plain/);
    assert.match(r.text, /fractal_atlas_http_request_duration_seconds_count\{method="POST",route="\/v1\/search",status="200"\} [1-9]/);
    assert.match(r.text, /fractal_atlas_http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} 1/);
    assert.match(r.text, /fractal_atlas_search_duration_seconds_count\{level="subtype"\} 1/);
    assert.match(r.text, /fractal_atlas_cells_annotated_total 2\n/);
    assert.match(r.text, /fractal_atlas_index_vectors\{prefix="4",level="level4_subtype"\} 5/);
    assert.match(r.text, /fractal_atlas_adapter_inference_duration_seconds_count [1-9]/);
    assert.match(r.text, /fractal_atlas_process_cpu_user_seconds_total/);
  });

  test('one log line per request, with status and cell count', () => {
    const searchLines = lines.filter((l) => l.startsWith('request') && l.includes('"/v1/annotate"') && l.includes('"status":"200"'));
    assert.equal(searchLines.length, 1);
    assert.match(searchLines[0]!, /"cells":2/);
  });
});

describe('errors raised by the service', () => {
  test('an unexpected error is a logged 500 internal without the stack; an AtlasError keeps its status', async () => {
    const logged: string[] = [];
    const logger: Logger = { info() {}, error: (e, f) => logged.push(`${e} ${String(f?.error)}`) };
    const boom = await serve(createFakeService({ searchError: new Error('secret detail at /srv/x.js:1') }), { logger });
    try {
      const r = await call(boom.url, 'POST', '/v1/search', { body: { cell_ids: ['c1'] } });
      assert.equal(r.status, 500);
      assert.deepEqual(r.body, { error: { code: 'internal', message: 'internal error' } });
      assert.doesNotMatch(r.text, /secret|x\.js/);
      assert.equal(logged.length, 1);
      assert.match(logged[0]!, /internal_error Error: secret detail/);
    } finally {
      await boom.close();
    }
    const dim = await serve(createFakeService({ searchError: new AtlasError('index_mismatch', 'prefix-2 file changed') }));
    try {
      const r = await call(dim.url, 'POST', '/v1/search', { body: { cell_ids: ['c1'] } });
      assert.equal(r.status, 409);
      assert.deepEqual(r.body, { error: { code: 'index_mismatch', message: 'prefix-2 file changed' } });
    } finally {
      await dim.close();
    }
  });
});

describe('readiness', () => {
  test('/readyz and /v1 answer 503 not_ready until the service is ready; /healthz stays 200', async () => {
    const service = createFakeService({ ready: false });
    const s = await serve(service);
    try {
      assert.equal((await call(s.url, 'GET', '/healthz')).status, 200);
      const r = await call(s.url, 'GET', '/readyz');
      assert.equal(r.status, 503);
      assert.equal(errorOf(r).code, 'not_ready');
      const q = await call(s.url, 'POST', '/v1/search', { body: { cell_ids: ['c1'] } });
      assert.equal(q.status, 503);
      assert.equal(service.searches.length, 0);
      service.setReady(true);
      assert.equal((await call(s.url, 'GET', '/readyz')).status, 200);
      assert.equal((await call(s.url, 'POST', '/v1/search', { body: { cell_ids: ['c1'] } })).status, 200);
    } finally {
      await s.close();
    }
  });
});
