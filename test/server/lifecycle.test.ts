import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AnnotateQuery, AtlasIndexService } from '../../search/index.js';
import { SILENT_LOGGER, startServer, type StartServerOptions } from '../../server/index.js';
import { call, errorOf } from './http-client.js';
import { buildTinyIndex, wrapService, type TinyIndex } from './tiny-index.js';

let tiny: TinyIndex;
let real: AtlasIndexService;
before(async () => {
  tiny = await buildTinyIndex();
  real = await tiny.open();
});
after(() => real?.close());

function serve(service: AtlasIndexService, options: StartServerOptions = {}) {
  return startServer(service, { port: 0, handleSignals: false, logger: SILENT_LOGGER, ...options });
}

/** The real service, with close() recorded (the shared one stays open). */
function closable(overrides: Partial<AtlasIndexService> = {}) {
  const state = { closed: false };
  const service = wrapService(real, { close: async () => void (state.closed = true), ...overrides });
  return { service, state };
}

test('bearer auth guards /v1 only, with 401 JSON errors', async () => {
  const s = await serve(wrapService(real), { apiKey: 's3cret' });
  try {
    const none = await call(s.url, 'GET', '/v1/info');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="fractal-atlas"');
    assert.deepEqual(errorOf(none), { code: 'unauthorized', message: 'missing Authorization: Bearer <api key> header' });
    const wrong = await call(s.url, 'POST', '/v1/search', { body: { cell_ids: ['c1'] }, headers: { authorization: 'Bearer s3cret!' } });
    assert.equal(wrong.status, 401);
    assert.equal(errorOf(wrong).message, 'wrong api key');
    const basic = await call(s.url, 'GET', '/v1/info', { headers: { authorization: 'Basic czNjcmV0' } });
    assert.equal(basic.status, 401);
    const ok = await call(s.url, 'POST', '/v1/search', { body: { cell_ids: ['c1'], k: 1 }, headers: { authorization: 'Bearer s3cret' } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.results[0].hits[0].cell_id, 'c1');
    for (const open of ['/healthz', '/readyz', '/metrics', '/openapi.json']) assert.equal((await call(s.url, 'GET', open)).status, 200, open);
  } finally {
    await s.close();
  }
});

test('CORS is off by default and answers for the configured origin only', async () => {
  const plain = await serve(wrapService(real));
  try {
    const r = await call(plain.url, 'GET', '/healthz', { headers: { origin: 'https://app.example' } });
    assert.equal(r.headers.get('access-control-allow-origin'), null);
  } finally {
    await plain.close();
  }
  const s = await serve(wrapService(real), { corsOrigin: 'https://app.example', apiKey: 'k' });
  try {
    const ok = await call(s.url, 'GET', '/healthz', { headers: { origin: 'https://app.example' } });
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example');
    const other = await call(s.url, 'GET', '/healthz', { headers: { origin: 'https://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
    // Preflights carry no credentials: answered before auth.
    const pre = await call(s.url, 'OPTIONS', '/v1/search', {
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    assert.equal(pre.status, 204);
    assert.match(pre.headers.get('access-control-allow-headers')!, /Authorization/);
    assert.match(pre.headers.get('access-control-allow-methods')!, /POST/);
  } finally {
    await s.close();
  }
});

test('graceful shutdown finishes in-flight requests, refuses new ones, then closes the service', async () => {
  // The annotate reaches the service, then waits until shutdown has begun: in flight for sure, no timing.
  let arrived!: () => void;
  const reached = new Promise<void>((r) => (arrived = r));
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const { service, state } = closable({
    annotateJson: undefined,
    annotate: async (q: AnnotateQuery) => {
      arrived();
      await held;
      return real.annotate(q);
    },
  });
  const s = await serve(service);
  const inflight = call(s.url, 'POST', '/v1/annotate', { body: { embeddings: [tiny.centre(3)], k: 1 } });
  await reached;
  const closing = s.close();
  await new Promise((r) => setImmediate(r));
  assert.equal(state.closed, false, 'service stays open while a request is in flight');
  release();
  const r = await inflight;
  assert.equal(r.status, 200);
  assert.equal(r.body.cells[0].consistent.level3_type.label, 'epithelial cell');
  await closing;
  await s.closed;
  assert.equal(state.closed, true);
  await assert.rejects(fetch(`${s.url}/healthz`));
  await s.close(); // idempotent
});

test('SIGTERM triggers the same graceful shutdown', async () => {
  const { service, state } = closable();
  const s = await startServer(service, { port: 0, logger: SILENT_LOGGER });
  process.emit('SIGTERM', 'SIGTERM');
  await s.closed;
  assert.equal(state.closed, true);
  assert.equal(process.listenerCount('SIGTERM'), 0);
});
