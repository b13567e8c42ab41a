import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { IDENTITY_ADAPTER } from '../../adapter/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { openAtlasIndex, type AtlasIndexService } from '../../search/index.js';
import { SILENT_LOGGER, startServer, type RunningServer, type StartServerOptions } from '../../server/index.js';
import { writeSyntheticAtlas, type SyntheticAtlas } from '../search/fixtures.js';
import { call, errorOf } from './http-client.js';

let atlas: SyntheticAtlas;
let indexDir: string;

before(async () => {
  atlas = await writeSyntheticAtlas(10, 64);
  indexDir = join(atlas.dir, 'idx');
  await buildAtlasIndex({ referencePath: atlas.path, adapterPath: IDENTITY_ADAPTER, outDir: indexDir, threads: 1 });
});

after(async () => {
  await atlas?.cleanup();
});

/** A server over a fresh service on the tiny real index (the server owns and closes it). */
async function serve(options: StartServerOptions = {}, wrap: (s: AtlasIndexService) => AtlasIndexService = (s) => s) {
  const service = await openAtlasIndex(indexDir, { adapterPath: IDENTITY_ADAPTER, workers: 0 });
  return startServer(wrap(service), { port: 0, handleSignals: false, logger: SILENT_LOGGER, ...options });
}

/** A raw socket to the server, collecting everything it receives until it closes. */
function rawSocket(s: RunningServer): { socket: Socket; received: () => string; closed: Promise<void>; connected: Promise<void> } {
  const socket = connect(s.port, s.host);
  let data = '';
  socket.on('data', (d) => (data += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  const connected = new Promise<void>((r) => socket.once('connect', () => r()));
  return { socket, received: () => data, closed, connected };
}

const json = { 'content-type': 'application/json' };

test('a body that is not the gzip its Content-Encoding says, or cut short, is 400 invalid_encoding', async () => {
  const s = await serve();
  try {
    const notGzip = await call(s.url, 'POST', '/v1/search', { raw: '{"cell_ids":["cell-1"]}', headers: { ...json, 'content-encoding': 'gzip' } });
    assert.equal(notGzip.status, 400);
    assert.equal(errorOf(notGzip).code, 'invalid_encoding');
    const gz = gzipSync(JSON.stringify({ cell_ids: ['cell-1'], k: 1 }));
    const cut = await call(s.url, 'POST', '/v1/search', { raw: gz.subarray(0, gz.length - 6), headers: { ...json, 'content-encoding': 'gzip' } });
    assert.equal(cut.status, 400);
    assert.equal(errorOf(cut).code, 'invalid_encoding');
    const deflate = await call(s.url, 'POST', '/v1/annotate', { raw: 'xx', headers: { ...json, 'content-encoding': 'deflate' } });
    assert.equal(deflate.status, 400);
    const whole = await call(s.url, 'POST', '/v1/search', { raw: gz, headers: { ...json, 'content-encoding': 'gzip' } });
    assert.equal(whole.status, 200);
  } finally {
    await s.close();
  }
});

test('a declared Content-Length over the limit is 413 before any body byte, and the connection is closed', async () => {
  const s = await serve({ limits: { maxBodyBytes: 4096 } });
  try {
    const c = rawSocket(s);
    // Headers only: the server must answer without waiting for the 10 MB it was promised.
    c.socket.write('POST /v1/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n');
    await c.closed;
    assert.match(c.received(), /^HTTP\/1\.1 413 /);
    assert.match(c.received(), /connection: close/i);
    assert.match(c.received(), /"code":"payload_too_large".*limit of 4096 bytes \(Content-Length 10000000\)/);
  } finally {
    await s.close();
  }
});

test('slow headers and slow bodies are cut after the configured seconds; connections are capped', async () => {
  const s = await serve({ headersTimeoutMs: 1000, requestTimeoutMs: 1500, maxConnections: 3 });
  try {
    const slowHeaders = rawSocket(s);
    slowHeaders.socket.write('POST /v1/search HTTP/1.1\r\nHost: x\r\n');
    const slowBody = rawSocket(s);
    slowBody.socket.write('POST /v1/search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"cell');
    const third = rawSocket(s);
    await Promise.all([slowHeaders.connected, slowBody.connected, third.connected]);
    // A fourth connection while three are open is closed by the server without an answer.
    const fourth = rawSocket(s);
    await fourth.closed;
    assert.equal(fourth.received(), '');
    await Promise.all([slowHeaders.closed, slowBody.closed]);
    assert.match(slowHeaders.received(), /^(HTTP\/1\.1 408 |$)/);
    assert.match(slowBody.received(), /^(HTTP\/1\.1 408 |$)/);
    third.socket.destroy();
    assert.equal((await call(s.url, 'GET', '/healthz')).status, 200);
  } finally {
    await s.close();
  }
});

test('error messages echo client input in bounded length', async () => {
  const s = await serve();
  try {
    const huge = 'x'.repeat(1_000_000);
    for (const body of [{ cell_ids: ['cell-1'], level: huge }, { cell_ids: ['cell-1'], [huge]: 1 }, { cell_ids: [huge] }, { cell_ids: ['cell-1'], filter: { include: { system: [huge] } } }]) {
      const r = await call(s.url, 'POST', '/v1/search', { body });
      assert.ok(r.status >= 400 && r.status < 500, String(r.status));
      assert.ok(r.text.length < 2000, `${r.text.length} characters came back`);
      assert.ok(!errorOf(r).message.includes('x'.repeat(200)), `the long value came back: ${errorOf(r).message.slice(0, 120)}`);
    }
  } finally {
    await s.close();
  }
});

test('shutdown closes idle and half-sent sockets at once and answers requests still running at the deadline with 503', { timeout: 20_000 }, async () => {
  // The real service, with annotate held for 3 s: a request still running when the 300 ms deadline comes.
  let started = 0;
  let closed = false;
  const s = await serve({ shutdownTimeoutMs: 300 }, (svc) => ({
    manifest: svc.manifest,
    info: () => svc.info(),
    ready: () => svc.ready(),
    search: (q) => svc.search(q),
    annotate: async (q) => {
      started++;
      await new Promise((r) => setTimeout(r, 3000));
      return svc.annotate(q);
    },
    close: async () => {
      closed = true;
      await svc.close();
    },
  }));
  const idle = rawSocket(s);
  idle.socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  const halfSent = rawSocket(s);
  halfSent.socket.write('POST /v1/search HTTP/1.1\r\nHost: x\r\nContent-Ty');
  await Promise.all([idle.connected, halfSent.connected]);
  while (!idle.received().includes('"ok"')) await new Promise((r) => setTimeout(r, 10));
  const running = call(s.url, 'POST', '/v1/annotate', { body: { embeddings: [Array.from(atlas.embeddings.subarray(0, 16))], k: 1 } });
  while (started === 0) await new Promise((r) => setTimeout(r, 10));
  const closing = s.close();
  // Both sockets without a request in flight go at once: before the 300 ms deadline answers the running one.
  let socketsClosed = false;
  void Promise.all([idle.closed, halfSent.closed]).then(() => (socketsClosed = true));
  const r = await running;
  assert.equal(socketsClosed, true);
  assert.equal(r.status, 503);
  assert.equal(errorOf(r).code, 'not_ready');
  assert.match(errorOf(r).message, /shutting down/);
  await closing;
  assert.equal(closed, true);
});
