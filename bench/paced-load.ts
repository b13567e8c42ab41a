/**
 * Open-loop load at a steady rate: request i is due at start + i / rate and goes out on one of `connections`
 * keep-alive sockets; its latency counts from when it was due (time spent waiting for a free socket
 * included), with sub-millisecond resolution. autocannon's own rate limit sends each second's quota in one
 * burst and records whole milliseconds, so its p99 "at half load" measures the burst, not the load.
 * Where answers carry fractal-atlas's `timings`, the slowest 1 % are broken down by stage.
 */
import { Agent, request } from 'node:http';
import { percentile } from '../eval/index.js';

/** Options of {@link pacedLoad}. */
export interface PacedLoadOptions {
  /** Server origin, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly path: string;
  /** JSON bodies sent in turn. */
  readonly bodies: readonly string[];
  /** Requests per second offered. */
  readonly rate: number;
  readonly seconds: number;
  readonly connections: number;
}

/** Figures of a paced run. */
export interface PacedLoadResult {
  readonly offered: number;
  readonly ok: number;
  readonly errors: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Mean time per stage of the requests at or above the p99, and of all (answers with `timings` only). */
  readonly tail?: { readonly slowest: StageTimes; readonly all: StageTimes };
}

/**
 * Where a request's time went, from its due time to its answer: `sendMs` until the load generator sent it (a
 * busy generator, or every socket taken), `serviceMs` inside the index service (`timings.totalMs`: coalescer
 * wait, worker or main-thread job, answer text) and of that `engineMs` in the adapter and search, and
 * `outsideMs` the rest (the server's HTTP, body parsing and validation, event-loop waits, loopback, the
 * generator reading the answer).
 */
export interface StageTimes {
  readonly n: number;
  readonly latencyMs: number;
  readonly sendMs: number;
  readonly serviceMs: number;
  readonly engineMs: number;
  readonly outsideMs: number;
}

interface Answer {
  readonly ok: boolean;
  readonly body: string;
  /** When the request went out (performance.now()). */
  readonly sentAt: number;
}

function post(agent: Agent, url: string, body: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ ok: res.statusCode === 200, body: Buffer.concat(chunks).toString(), sentAt }));
    });
    // The agent writes the request once a socket is free: the send time is when the socket is assigned.
    let sentAt = performance.now();
    req.on('socket', () => (sentAt = performance.now()));
    req.on('error', () => resolve({ ok: false, body: '', sentAt }));
    req.setNoDelay(true);
    req.end(body);
  });
}

interface Timed {
  readonly latency: number;
  readonly send: number;
  readonly body: string;
}

/** Mean stage times of `runs` whose answers carry `timings` (bodies parsed after the run, off the clock). */
function stageTimes(runs: readonly Timed[]): StageTimes | null {
  const sum = { latencyMs: 0, sendMs: 0, serviceMs: 0, engineMs: 0, outsideMs: 0 };
  let n = 0;
  for (const r of runs) {
    const t = (JSON.parse(r.body) as { timings?: { totalMs: number; adapterMs: number; searchMs: number } }).timings;
    if (!t) continue;
    n++;
    sum.latencyMs += r.latency;
    sum.sendMs += r.send;
    sum.serviceMs += t.totalMs;
    sum.engineMs += t.adapterMs + t.searchMs;
    sum.outsideMs += r.latency - r.send - t.totalMs;
  }
  if (n === 0) return null;
  const mean = (v: number) => Math.round((v / n) * 1000) / 1000;
  return { n, latencyMs: mean(sum.latencyMs), sendMs: mean(sum.sendMs), serviceMs: mean(sum.serviceMs), engineMs: mean(sum.engineMs), outsideMs: mean(sum.outsideMs) };
}

/** Sends `rate × seconds` requests at a steady pace and waits for every answer. */
export async function pacedLoad(o: PacedLoadOptions): Promise<PacedLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const total = Math.round(o.rate * o.seconds);
  const done: Timed[] = [];
  const inFlight: Promise<void>[] = [];
  let errors = 0;
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * o.rate) / 1000) + 1);
    for (; sent < due; sent++) {
      const at = t0 + (sent * 1000) / o.rate;
      inFlight.push(post(agent, `${o.url}${o.path}`, o.bodies[sent % o.bodies.length]!).then((a) => {
        if (a.ok) done.push({ latency: performance.now() - at, send: a.sentAt - at, body: a.body });
        else errors++;
      }));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  const latencies = done.map((d) => d.latency);
  const p99 = percentile(latencies, 99);
  const slowest = stageTimes(done.filter((d) => d.latency >= p99));
  const all = stageTimes(done);
  const tail = slowest && all ? { slowest, all } : undefined;
  return { offered: total, ok: done.length, errors, seconds, p50Ms: percentile(latencies, 50), p99Ms: p99, maxMs: Math.max(0, ...latencies), tail };
}
