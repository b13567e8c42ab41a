/**
 * Open-loop load at a steady rate: request i is due at start + i / rate and goes out on one of `connections`
 * keep-alive sockets; its latency counts from when it was due (time spent waiting for a free socket
 * included), with sub-millisecond resolution. autocannon's own rate limit sends each second's quota in one
 * burst and records whole milliseconds, so its p99 "at half load" measures the burst, not the load.
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
}

function post(agent: Agent, url: string, body: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.setNoDelay(true);
    req.end(body);
  });
}

/** Sends `rate × seconds` requests at a steady pace and waits for every answer. */
export async function pacedLoad(o: PacedLoadOptions): Promise<PacedLoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: o.connections });
  const total = Math.round(o.rate * o.seconds);
  const latencies: number[] = [];
  const inFlight: Promise<void>[] = [];
  let errors = 0;
  const t0 = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * o.rate) / 1000) + 1);
    for (; sent < due; sent++) {
      const at = t0 + (sent * 1000) / o.rate;
      inFlight.push(post(agent, `${o.url}${o.path}`, o.bodies[sent % o.bodies.length]!).then((ok) => {
        if (ok) latencies.push(performance.now() - at);
        else errors++;
      }));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  return { offered: total, ok: latencies.length, errors, seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: Math.max(0, ...latencies) };
}
