/**
 * Fuzz: a few thousand generated bad (and some valid) requests against a real server on a tiny real index
 * (random port). Nothing may answer 5xx, and the server must answer correctly afterwards.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { createRng } from '../../common/index.js';
import { IDENTITY_ADAPTER } from '../../adapter/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { openAtlasIndex } from '../../search/index.js';
import { SILENT_LOGGER, startServer, type RunningServer } from '../../server/index.js';
import { writeSyntheticAtlas, type SyntheticAtlas } from '../search/fixtures.js';
import { call } from './http-client.js';

const REQUESTS = 2000;
const RAW_SOCKETS = 150;

let atlas: SyntheticAtlas;
let server: RunningServer;

before(async () => {
  atlas = await writeSyntheticAtlas(10, 64);
  const dir = join(atlas.dir, 'idx');
  await buildAtlasIndex({ referencePath: atlas.path, adapterPath: IDENTITY_ADAPTER, outDir: dir, threads: 1 });
  const service = await openAtlasIndex(dir, { adapterPath: IDENTITY_ADAPTER, workers: 1 });
  server = await startServer(service, { port: 0, handleSignals: false, logger: SILENT_LOGGER, limits: { maxBodyBytes: 256 * 1024 }, headersTimeoutMs: 2000, requestTimeoutMs: 3000 });
});

after(async () => {
  await server?.close();
  await atlas?.cleanup();
});

type Rng = () => number;
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function randomString(r: Rng): string {
  return pick(r, [
    () => '',
    () => 'system',
    () => 'subtype',
    () => 'cell-3',
    () => 'x'.repeat(Math.floor(r() * 100_000)),
    () => '\u0000\uffff\ud800',
    () => '__proto__',
    () => 'constructor',
    () => String.fromCharCode(...Array.from({ length: 20 }, () => Math.floor(r() * 0x10000))),
  ])();
}

function randomValue(r: Rng, depth = 0): unknown {
  const kinds = [
    () => null,
    () => r() < 0.5,
    () => pick(r, [0, -1, 1.5, 1e308, -1e308, 1e-320, 2 ** 53 + 1, 1000, 10_001, 16, 4, 0.5]),
    () => randomString(r),
    () => (depth > 4 ? [] : Array.from({ length: Math.floor(r() * 5) }, () => randomValue(r, depth + 1))),
    () => (depth > 4 ? {} : Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [randomString(r).slice(0, 20), randomValue(r, depth + 1)]))),
  ];
  return pick(r, kinds)();
}

function randomEmbeddings(r: Rng): unknown {
  const n = Math.floor(r() * 4);
  const dim = pick(r, [16, 16, 16, 15, 17, 0, 128]);
  return Array.from({ length: n }, () => Array.from({ length: dim }, () => (r() < 0.02 ? randomValue(r) : r() * 2 - 1)));
}

const FIELDS = ['embeddings', 'cell_ids', 'level', 'prefix', 'original', 'k', 'filter', 'max_dist', 'centroid', 'summary', 'weighting', 'min_confidence', 'out_of_reference_distance', 'bogus'];

function randomBody(r: Rng): Record<string, unknown> {
  if (r() < 0.15) {
    // Valid requests in between, so the fuzz also runs searches and votes while the bad ones arrive.
    const v = Array.from({ length: 16 }, () => r() * 2 - 1);
    return r() < 0.5 ? { embeddings: [v], k: 1 + Math.floor(r() * 200) } : { cell_ids: [`cell-${Math.floor(r() * 160)}`], level: pick(r, ['system', 'subtype']), k: 3 };
  }
  const body: Record<string, unknown> = {};
  if (r() < 0.6) body.embeddings = randomEmbeddings(r);
  else if (r() < 0.7) body.cell_ids = Array.from({ length: Math.floor(r() * 4) }, () => (r() < 0.5 ? `cell-${Math.floor(r() * 200)}` : randomValue(r)));
  for (const f of FIELDS) {
    if (r() < 0.25) body[f] = f === 'k' ? pick(r, [1, 5, 1000, 10_000, 0, -3, 2.5, '5', null]) : f === 'filter' ? { include: { [pick(r, ['system', 'subtype', 'nope'])]: [randomString(r).slice(0, 30)] }, exclude: randomValue(r) } : randomValue(r);
  }
  return body;
}

interface Sent {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Buffer;
}

function randomRequest(r: Rng): Sent {
  const method = r() < 0.85 ? 'POST' : pick(r, ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
  const path = r() < 0.85 ? pick(r, ['/v1/search', '/v1/annotate', '/v1/search?k=5']) : pick(r, ['/v1/info', '/healthz', '/readyz', '/openapi.json', '/v1/../etc/passwd', '/%', '/v1/search/', '/' + 'a'.repeat(2000)]);
  const headers: Record<string, string> = {};
  const ct = pick(r, ['application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', '']);
  if (ct) headers['content-type'] = ct;
  let text: string | Buffer = pick(r, [
    () => JSON.stringify(randomBody(r)),
    () => JSON.stringify(randomBody(r)),
    () => JSON.stringify(randomBody(r)),
    () => JSON.stringify(randomValue(r)),
    () => JSON.stringify(randomBody(r)).slice(0, Math.floor(r() * 50)),
    () => '{"k":' + '['.repeat(5000),
    () => Buffer.from(Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256))),
    () => '',
  ])();
  let body = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const enc = r();
  if (enc < 0.05) {
    headers['content-encoding'] = 'gzip'; // not gzip at all
  } else if (enc < 0.1) {
    const gz = gzipSync(body);
    headers['content-encoding'] = 'gzip';
    body = r() < 0.5 ? gz.subarray(0, Math.max(1, gz.length - 4)) : gz;
  } else if (enc < 0.13) {
    headers['content-encoding'] = pick(r, ['deflate', 'br', 'x-unknown', 'gzip, gzip', 'identity']);
  }
  if (r() < 0.05) headers.authorization = randomString(r).slice(0, 200).replace(/[^\x20-\x7e]/g, '');
  // A declared length over the limit (answered 413 at once); a shorter body than declared would only wait for the timeout.
  if (r() < 0.03) headers['content-length'] = String(pick(r, [10 ** 9, 1e15]));
  return { method, path, headers, body: method === 'GET' || method === 'HEAD' ? undefined : body };
}

function send(agent: Agent, s: RunningServer, q: Sent): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ host: s.host, port: s.port, method: q.method, path: q.path, headers: q.headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve('response error'));
    });
    // A refused or cut connection is the server protecting itself (a declared length it will not read), never a 5xx.
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    if (q.body && q.body.length > 0 && q.headers['content-length'] === undefined) req.end(q.body);
    else req.end();
  });
}

function sendRaw(s: RunningServer, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(s.port, s.host);
    let got = '';
    socket.on('data', (d) => (got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => resolve(got));
    socket.end(bytes);
  });
}

test(`${REQUESTS} generated bad requests: no 5xx, and the server answers correctly afterwards`, async () => {
  const r = createRng(20261201).uniform;
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const statuses = new Map<number | string, number>();
  const t0 = performance.now();
  const slowest: { ms: number; what: string }[] = [];
  const fivexx: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < REQUESTS) {
      next++;
      const q = randomRequest(r);
      const started = performance.now();
      const status = await send(agent, server, q);
      const ms = performance.now() - started;
      if (ms > (slowest[0]?.ms ?? 0)) slowest.unshift({ ms, what: `${status} ${q.method} ${q.path} ${JSON.stringify(q.headers)} ${q.body?.length ?? 0} B` });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (typeof status === 'number' && status >= 500) fivexx.push(`${status} ${q.method} ${q.path} ${JSON.stringify(q.headers)} ${q.body?.subarray(0, 200).toString('latin1')}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  agent.destroy();
  const t1 = performance.now();
  const raw = async () => {
    const garbage = pick(r, [
      () => Buffer.from(Array.from({ length: 1 + Math.floor(r() * 300) }, () => Math.floor(r() * 256))),
      () => Buffer.from('POST /v1/search HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'),
      () => Buffer.from(`GET /healthz HTTP/1.1\r\n${'X-A: b\r\n'.repeat(5000)}\r\n`),
      () => Buffer.from('POST /v1/search HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{}'),
      () => Buffer.from('GET / HTTP/9.9\r\n\r\n'),
    ])();
    const reply = await sendRaw(server, garbage);
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1];
    statuses.set(`raw ${status ?? 'closed'}`, (statuses.get(`raw ${status ?? 'closed'}`) ?? 0) + 1);
    if (status !== undefined && Number(status) >= 500) fivexx.push(`raw ${status}: ${garbage.subarray(0, 80).toString('latin1')}`);
  };
  for (let i = 0; i < RAW_SOCKETS; i += 15) await Promise.all(Array.from({ length: 15 }, raw));
  console.log(`fuzz: ${REQUESTS} requests in ${((t1 - t0) / 1000).toFixed(1)} s, ${RAW_SOCKETS} raw sockets in ${((performance.now() - t1) / 1000).toFixed(1)} s; ${JSON.stringify([...statuses])}; slowest ${slowest.slice(0, 3).map((x) => `${x.ms.toFixed(0)} ms ${x.what.slice(0, 160)}`).join(' | ')}`);
  assert.deepEqual(fivexx.slice(0, 5), [], `5xx answers (statuses: ${JSON.stringify([...statuses])})`);
  // Some requests were valid and most were refused: the generator reached both sides.
  assert.ok((statuses.get(200) ?? 0) > 20, JSON.stringify([...statuses]));
  assert.ok((statuses.get(400) ?? 0) > REQUESTS / 4, JSON.stringify([...statuses]));
  assert.equal((await call(server.url, 'GET', '/healthz')).status, 200);
  const ok = await call(server.url, 'POST', '/v1/search', { body: { cell_ids: ['cell-42'], k: 3 } });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.results[0].hits[0].cell_id, 'cell-42');
});
