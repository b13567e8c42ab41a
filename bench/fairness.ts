/**
 * Fairness: latency of one-cell searches while one big request runs. The server runs in its own process
 * (http-server-child.ts, 2 workers); the probe sends one-cell searches one after the other, so each latency
 * is one request's, idle first, then during a 10,000-cell-id search (k 100) and during a 10,000-cell annotate
 * (k 50). Also times the integrity check (`verify full`) of the same index.
 */
import { fork } from 'node:child_process';
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { openAtlas } from '../atlas/index.js';
import { percentile } from '../eval/index.js';
import { verifyIndex } from '../index-files/index.js';

/** First `n` cell ids and embeddings of the atlas (the indexed cells). */
async function readCells(path: string, n: number): Promise<{ ids: string[]; embeddings: number[][] }> {
  const ids: string[] = [];
  const embeddings: number[][] = [];
  const atlas = await openAtlas(path);
  for await (const b of atlas.batches()) {
    for (let i = 0; i < b.numRows && ids.length < n; i++) {
      ids.push(b.cellIds[i]!);
      embeddings.push(Array.from(b.embeddings.subarray(i * b.dim, (i + 1) * b.dim), (x) => Math.round(x * 1e5) / 1e5));
    }
    if (ids.length >= n) break;
  }
  return { ids, embeddings };
}

function post(url: string, body: string): Promise<{ status: number; ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let bytes = 0;
      res.on('data', (d: Buffer) => (bytes += d.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, bytes }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface ProbeFigures {
  readonly probes: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** One-cell searches back to back until `until` settles (or `count` of them when idle). */
async function probe(url: string, ids: readonly string[], until: Promise<unknown> | null, count = 300): Promise<ProbeFigures> {
  let done = false;
  void until?.finally(() => (done = true));
  const ms: number[] = [];
  for (let i = 0; until ? !done : i < count; i++) {
    const r = await post(`${url}/v1/search`, JSON.stringify({ cell_ids: [ids[(i * 7919) % ids.length]], level: 'subtype', k: 10 }));
    if (r.status !== 200) throw new Error(`probe search answered ${r.status}`);
    ms.push(r.ms);
  }
  const round = (x: number) => Math.round(x * 100) / 100;
  return { probes: ms.length, p50Ms: round(percentile(ms, 50)), p99Ms: round(percentile(ms, 99)), maxMs: round(Math.max(...ms)) };
}

/** Runs the measurements against `indexDir` (served with `adapterPath`); cells come from `atlasPath`. */
export async function runFairnessBench(indexDir: string, adapterPath: string, atlasPath: string, cells = 10_000) {
  const verify = await verifyIndex(indexDir, { mode: 'full' });
  const { ids, embeddings } = await readCells(atlasPath, cells);
  const child = fork(fileURLToPath(new URL('./http-server-child.js', import.meta.url)), [indexDir, adapterPath, '2'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`server exited with code ${code}`)));
  });
  try {
    await probe(url, ids, null, 100); // warm-up
    const idle = await probe(url, ids, null);
    const bigSearchBody = JSON.stringify({ cell_ids: ids, level: 'subtype', k: 100 });
    const bigSearch = post(`${url}/v1/search`, bigSearchBody);
    const duringSearch = await probe(url, ids, bigSearch);
    const search = await bigSearch;
    const bigAnnotateBody = JSON.stringify({ embeddings, k: 50 });
    const bigAnnotate = post(`${url}/v1/annotate`, bigAnnotateBody);
    const duringAnnotate = await probe(url, ids, bigAnnotate);
    const annotate = await bigAnnotate;
    const result = {
      cells: verify.manifest.numCells,
      loadavg: loadavg().map((x) => Math.round(x * 10) / 10),
      verifyFull: { seconds: Math.round(verify.seconds * 1000) / 1000, bytes: verify.bytesRead },
      idle,
      bigSearch: { cells, k: 100, status: search.status, seconds: Math.round(search.ms) / 1000, responseBytes: search.bytes, probe: duringSearch },
      bigAnnotate: { cells, k: 50, status: annotate.status, seconds: Math.round(annotate.ms) / 1000, requestBytes: bigAnnotateBody.length, responseBytes: annotate.bytes, probe: duringAnnotate },
    };
    return result;
  } finally {
    child.send('stop');
  }
}
