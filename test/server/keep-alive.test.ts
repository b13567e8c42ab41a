/**
 * A client reusing a pooled keep-alive connection is never reset (issue 14: `fetch failed`, ECONNRESET, on the
 * request after a long annotate in e2e). The reset came from the server: when its idle timer fired late — the
 * process had been busy past the keep-alive timeout — the client's next request was already in the socket,
 * and the server destroyed the socket under it.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, test } from 'node:test';
import type { AtlasIndexService } from '../../search/index.js';
import { SILENT_LOGGER, startServer, type RunningServer } from '../../server/index.js';
import { buildTinyIndex, wrapService, type TinyIndex } from './tiny-index.js';

let tiny: TinyIndex;
let real: AtlasIndexService;
before(async () => {
  tiny = await buildTinyIndex();
  real = await tiny.open();
});
after(() => real?.close());

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly reusedSocket: boolean;
}

/** One request through `agent` (node's pooling client). */
function send(agent: Agent, url: string, method: string, path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, url), { agent, method, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text, reusedSocket: req.reusedSocket }));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Blocks this thread (server and client alike) without burning CPU, like a long synchronous computation. */
function blockEventLoop(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

test('a long request, a busy event loop past the keep-alive timeout, then the same connection again: no reset', async () => {
  // Node's Agent keeps a socket only when the advertised timeout is ≥ 2 s; node closes ~1 s after it.
  const keepAliveTimeoutMs = 2000;
  const server: RunningServer = await startServer(wrapService(real), { port: 0, handleSignals: false, logger: SILENT_LOGGER, keepAliveTimeoutMs });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const embeddings = Array.from({ length: 2000 }, (_, i) => tiny.cells[i % tiny.cells.length]!.vector);
    const first = await send(agent, server.url, 'POST', '/v1/annotate', { embeddings, k: 10 });
    assert.equal(first.status, 200, first.body.slice(0, 200));
    assert.equal(JSON.parse(first.body).cells.length, 2000);
    assert.equal(first.headers['keep-alive'], 'timeout=2');
    // The client works on the answer for longer than the server's idle timeout before its next request.
    blockEventLoop(keepAliveTimeoutMs + 1300);
    const second = await send(agent, server.url, 'POST', '/v1/search', { cell_ids: ['c1'], k: 1 });
    assert.equal(second.reusedSocket, true, 'the second request went over the pooled connection');
    assert.equal(second.status, 200, second.body);
    assert.equal(JSON.parse(second.body).results[0].hits[0].cell_id, 'c1');
  } finally {
    agent.destroy();
    await server.close();
  }
});

test('an idle connection is still closed by the server after its keep-alive timeout', async () => {
  const server = await startServer(wrapService(real), { port: 0, handleSignals: false, logger: SILENT_LOGGER, keepAliveTimeoutMs: 100 });
  try {
    const { Socket } = await import('node:net');
    const socket = new Socket();
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.connect(server.port, server.host, () => socket.write(`GET /healthz HTTP/1.1\r\nHost: ${server.host}\r\n\r\n`));
    let text = '';
    socket.setEncoding('utf8').on('data', (d: string) => (text += d));
    await closed;
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /Keep-Alive: timeout=0/i);
  } finally {
    await server.close();
  }
});

test('by default the server keeps idle connections longer than clients do (Keep-Alive: timeout=65)', async () => {
  const server = await startServer(wrapService(real), { port: 0, handleSignals: false, logger: SILENT_LOGGER });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const r = await send(agent, server.url, 'GET', '/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.headers['keep-alive'], 'timeout=65');
  } finally {
    agent.destroy();
    await server.close();
  }
});
