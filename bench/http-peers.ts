/**
 * `npm run bench -- --only http-peers` (issue 12): POST /v1/search, one cell, k = 10, over loopback against
 * fractal-atlas (`serve` with 2 workers, in a child process) and the FastAPI + uvicorn + hnswlib peer
 * (bench/fastapi_peer.py, 2 workers, TCP_NODELAY), the same autocannon load at each connection count, runs
 * of the two servers interleaved so that the shared machine's load drifts over both alike. Per run: req/s,
 * p50/p99, server CPU ms per request (/proc of the server's processes over the run / answered requests) and
 * the load average; then each server's p99 at half of its peak req/s. The peer is skipped with a reason
 * where Python or one of its modules is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { projectPath } from '../common/index.js';
import { openAdapter } from '../adapter/index.js';
import { readManifest } from '../index-files/index.js';
import { bodyOf, figures, startChild, type EndpointFigures } from './http-bench.js';
import { pacedLoad, type PacedLoadResult, type StageTimes } from './paced-load.js';

const PYTHON = '/usr/bin/python3';
const PEER_MODULES = 'fastapi, uvicorn, hnswlib, numpy';

/** One autocannon run against one server. */
export interface HttpRunFigures extends EndpointFigures {
  readonly server: 'fractal-atlas' | 'fastapi-hnswlib';
  /** Server process CPU (all threads and processes) per answered request. */
  readonly cpuMsPerRequest: number;
  readonly load: number;
}

/** A paced run at half of a server's peak req/s (bench/paced-load.ts: sub-millisecond latencies). */
export interface HalfPeakFigures extends PacedLoadResult {
  readonly server: HttpRunFigures['server'];
  readonly rate: number;
  readonly connections: number;
  readonly cpuMsPerRequest: number;
  readonly load: number;
}

/** Result of {@link runHttpPeersBench}. */
export interface HttpPeersResult {
  readonly cells: number;
  readonly seconds: number;
  readonly runs: readonly HttpRunFigures[];
  /** Each server's run at half of its peak req/s. */
  readonly halfPeak: readonly HalfPeakFigures[];
  readonly peerSkipped?: string;
}

/** Options of {@link runHttpPeersBench}. */
export interface HttpPeersOptions {
  readonly indexDir: string;
  readonly adapterPath: string;
  /** Query cells (the held-out input embeddings, row-major `dim` wide); the peer gets their adapter outputs. */
  readonly queries: Float32Array;
  readonly dim: number;
  readonly connections?: readonly number[];
  /** Seconds per run (default 10). */
  readonly seconds?: number;
  readonly log: (line: string) => void;
}

/** A server under test: where it listens, its processes, its bodies. */
interface Target {
  readonly server: HttpRunFigures['server'];
  readonly url: string;
  readonly pids: readonly number[];
  readonly bodies: readonly string[];
}

/** CPU seconds (user + system) of processes so far, from /proc/PID/stat (all threads of each). */
function cpuSeconds(pids: readonly number[]): number {
  const tick = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  let total = 0;
  for (const pid of pids) {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14 and stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    total += (Number(fields[11]) + Number(fields[12])) / tick;
  }
  return total;
}

/** Drives `url` with rotating one-cell bodies, each connection sending its next request on an answer. */
async function drive(server: HttpRunFigures['server'], url: string, bodies: readonly string[], connections: number, seconds: number, pids: readonly number[]): Promise<HttpRunFigures> {
  let next = 0;
  const cpu0 = cpuSeconds(pids);
  const r = await autocannon({
    url, connections, duration: seconds,
    requests: [{ method: 'POST', path: '/v1/search', headers: { 'content-type': 'application/json' }, body: bodies[0], setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
  });
  const f = figures('/v1/search', r, 1, 10, connections);
  const cpuMsPerRequest = ((cpuSeconds(pids) - cpu0) * 1000) / Math.max(1, f.requests);
  return { ...f, server, cpuMsPerRequest, load: loadavg()[0]! };
}

/** A steady `rate` of one-cell searches on `connections` sockets. */
async function paced(t: Target, rate: number, connections: number, seconds: number): Promise<HalfPeakFigures> {
  const cpu0 = cpuSeconds(t.pids);
  const r = await pacedLoad({ url: t.url, path: '/v1/search', bodies: t.bodies, rate, seconds, connections });
  const cpuMsPerRequest = ((cpuSeconds(t.pids) - cpu0) * 1000) / Math.max(1, r.ok);
  return { ...r, server: t.server, rate, connections, cpuMsPerRequest, load: loadavg()[0]! };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** GET on a fresh connection (so that successive calls can land on different uvicorn workers). */
function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Why the peer cannot run here, or null. */
function peerMissing(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`;
  const r = spawnSync(PYTHON, ['-c', `import ${PEER_MODULES}`], { encoding: 'utf8' });
  return r.status === 0 ? null : `${PYTHON} lacks one of ${PEER_MODULES}: ${(r.stderr || '').trim().split('\n').pop()}`;
}

/** Starts the FastAPI peer and waits until each of its workers has answered /healthz (their pids). */
async function startPeer(indexDir: string, indexFile: string, workers: number): Promise<{ proc: ChildProcess; url: string; pids: number[] }> {
  const port = await freePort();
  const proc = spawn(PYTHON, [projectPath('bench', 'fastapi_peer.py'), '--index', indexDir, '--index-file', indexFile, '--port', String(port), '--workers', String(workers)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const pids = new Set<number>();
  const deadline = Date.now() + 300_000;
  while (pids.size < workers) {
    if (proc.exitCode !== null) throw new Error(`fastapi_peer.py exited with code ${proc.exitCode}: ${stderr.trim().split('\n').pop()}`);
    if (Date.now() > deadline) throw new Error('fastapi_peer.py: workers not ready after 300 s');
    const h = await getJson(`${url}/healthz`).catch(() => null);
    if (h) pids.add((h as { pid: number }).pid);
    else await new Promise((r) => setTimeout(r, 250));
  }
  return { proc, url, pids: [...pids] };
}

async function stopPeer(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

/** One-cell bodies: the input embeddings for us, their adapter outputs (what the peer indexes) for the peer. */
async function makeBodies(o: HttpPeersOptions): Promise<{ ours: string[]; peer: string[] }> {
  const m = await readManifest(o.indexDir);
  const n = o.queries.length / o.dim;
  const adapter = await openAdapter(o.adapterPath, { inputDim: m.inputDim, threads: 2 });
  try {
    const full = await adapter.embed(o.queries, n);
    const width = full.length / n;
    const ours: string[] = [];
    const peer: string[] = [];
    for (let i = 0; i < n; i++) {
      ours.push(bodyOf(o.queries, o.dim, i, 1, 10));
      peer.push(bodyOf(full, width, i, 1, 10));
    }
    return { ours, peer };
  } finally {
    await adapter.close();
  }
}

/** Runs both servers at every connection count, interleaved, then each at half of its own peak. */
export async function runHttpPeersBench(o: HttpPeersOptions): Promise<HttpPeersResult> {
  const seconds = o.seconds ?? 10;
  const bodies = await makeBodies(o);
  const peerSkipped = peerMissing() ?? undefined;
  const dir = await mkdtemp(join(tmpdir(), 'fa-bench-http-peers-'));
  const ours = await startChild(o, 2);
  let peer: Awaited<ReturnType<typeof startPeer>> | null = null;
  try {
    const targets: Target[] = [{ server: 'fractal-atlas', url: ours.url, pids: [ours.child.pid!], bodies: bodies.ours }];
    if (peerSkipped) o.log(`http-peers: FastAPI peer skipped: ${peerSkipped}`);
    else {
      o.log('http-peers: starting the FastAPI + uvicorn + hnswlib peer (builds its 128-d index first)');
      peer = await startPeer(o.indexDir, join(dir, 'hnswlib-128.bin'), 2);
      targets.push({ server: 'fastapi-hnswlib', url: peer.url, pids: peer.pids, bodies: bodies.peer });
    }
    for (const t of targets) await drive(t.server, t.url, t.bodies, 4, 2, t.pids); // warm-up
    const runs: HttpRunFigures[] = [];
    for (const c of o.connections ?? [1, 8, 32]) {
      for (const t of targets) {
        const f = await drive(t.server, t.url, t.bodies, c, seconds, t.pids);
        o.log(`  ${t.server} ${c} connections: ${f.requestsPerSecond.toFixed(0)} req/s, p50 ${f.latencyP50Ms} ms, p99 ${f.latencyP99Ms} ms, ${f.cpuMsPerRequest.toFixed(2)} ms CPU/request, ${f.errors} errors (load ${f.load.toFixed(2)})`);
        runs.push(f);
      }
    }
    const halfPeak: HalfPeakFigures[] = [];
    for (const t of targets) {
      const best = runs.filter((r) => r.server === t.server).reduce((a, b) => (b.requestsPerSecond > a.requestsPerSecond ? b : a));
      const f = await paced(t, Math.max(1, Math.round(best.requestsPerSecond / 2)), best.connections, seconds);
      o.log(`  ${t.server} at half of its peak (${f.rate} req/s offered on ${f.connections} connections): ${f.ok} answered, p50 ${f.p50Ms.toFixed(2)} ms, p99 ${f.p99Ms.toFixed(2)} ms, ${f.cpuMsPerRequest.toFixed(2)} ms CPU/request, ${f.errors} errors (load ${f.load.toFixed(2)})`);
      if (f.tail) o.log(`    ${describeTail(f.tail)}`);
      halfPeak.push(f);
    }
    return { cells: o.queries.length / o.dim, seconds, runs, halfPeak, peerSkipped };
  } finally {
    if (peer) await stopPeer(peer.proc);
    ours.child.send('stop');
    await new Promise((r) => ours.child.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

const f0 = (x: number | undefined) => (x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));
const table = (head: string[], rows: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** Markdown of an http-peers run. */
export function renderHttpPeers(h: HttpPeersResult): string {
  const out = [`### HTTP /v1/search against FastAPI + uvicorn + hnswlib (1 cell, k = 10, ${h.seconds} s a run, ${h.cells.toLocaleString('en-US')} rotating query cells)`, ''];
  if (h.peerSkipped) out.push(`FastAPI peer skipped: ${h.peerSkipped}`, '');
  const rows = [...new Set(h.runs.map((r) => r.connections))].map((c) => {
    const a = h.runs.find((r) => r.connections === c && r.server === 'fractal-atlas');
    const p = h.runs.find((r) => r.connections === c && r.server === 'fastapi-hnswlib');
    const ratio = a && p ? `${(a.requestsPerSecond / p.requestsPerSecond).toFixed(2)}×` : '—';
    const cell = (r: HttpRunFigures | undefined) => (r ? `${f0(r.requestsPerSecond)} req/s, p50 ${r.latencyP50Ms} / p99 ${r.latencyP99Ms} ms, ${r.cpuMsPerRequest.toFixed(2)} ms CPU/req${r.errors ? `, ${r.errors} errors` : ''}` : '—');
    return [String(c), cell(a), cell(p), ratio, [a, p].filter(Boolean).map((r) => r!.load.toFixed(2)).join(' / ')];
  });
  out.push(table(['connections', 'fractal-atlas (2 workers)', 'FastAPI + hnswlib (2 workers)', 'ratio req/s', 'load (ours / peer)'], rows), '');
  for (const r of h.halfPeak) out.push(`- ${r.server} at half of its peak: ${f0(r.rate)} req/s offered at a steady pace on ${r.connections} connections, ${f0(r.ok)} answered in ${r.seconds.toFixed(1)} s, p50 ${r.p50Ms.toFixed(2)} ms, **p99 ${r.p99Ms.toFixed(2)} ms**, ${r.cpuMsPerRequest.toFixed(2)} ms CPU/request${r.errors ? `, ${r.errors} errors` : ''} (load ${r.load.toFixed(2)})${r.tail ? `; ${describeTail(r.tail)}` : ''}`);
  out.push('', 'Latencies of the runs at full speed are autocannon\'s (whole milliseconds); those at half of the peak are from bench/paced-load.ts (counted from when each request was due).');
  return out.join('\n');
}

/** `slowest 1 % (n): 31.2 ms = send 0.4 + service 12.1 (engine 0.5) + outside 18.7; all: …` */
function describeTail(t: NonNullable<PacedLoadResult['tail']>): string {
  const one = (s: StageTimes) => `${s.latencyMs.toFixed(2)} ms = send ${s.sendMs.toFixed(2)} + service ${s.serviceMs.toFixed(2)} (adapter + search ${s.engineMs.toFixed(2)}) + outside ${s.outsideMs.toFixed(2)}`;
  return `slowest 1 % (${t.slowest.n}): ${one(t.slowest)}; all ${t.all.n}: ${one(t.all)}`;
}
