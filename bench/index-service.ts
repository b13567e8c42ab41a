/**
 * Service benchmark of a built index (issue 4's figures): single-query search latency per level (sequential
 * requests, p50/p95), batch annotate throughput (cells/s at k = 50), and the main thread's longest timer
 * delay while the annotate runs (what /healthz would see).
 *
 *   node <build>/bench/index-service.js --index DIR --adapter FILE|identity --atlas atlas.parquet
 *        [--queries 300] [--cells 10000] [--workers 2] [--threads 1]
 */
import { parseArgs } from 'node:util';
import { openAtlas } from '../atlas/index.js';
import { openAtlasIndex } from '../search/index.js';

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const { values } = parseArgs({
  options: {
    index: { type: 'string' },
    adapter: { type: 'string' },
    atlas: { type: 'string' },
    queries: { type: 'string', default: '300' },
    cells: { type: 'string', default: '10000' },
    workers: { type: 'string', default: '2' },
    threads: { type: 'string', default: '1' },
  },
});
if (!values.index || !values.adapter || !values.atlas) throw new Error('usage: --index DIR --adapter FILE|identity --atlas FILE');
const numQueries = Number(values.queries);
const numCells = Number(values.cells);

// Query cells: the atlas's own rows, spread over its row groups, with a little noise (not exact self-hits).
const reader = await openAtlas(values.atlas);
const dim = reader.dim;
const want = Math.max(numQueries, numCells);
const cells = new Float32Array(want * dim);
let filled = 0;
let seed = 12345;
const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.02;
for (let g = 0; g < reader.numRowGroups && filled < want; g++) {
  const b = await reader.readRowGroup(g);
  const take = Math.min(b.numRows, Math.ceil(want / reader.numRowGroups) + 1, want - filled);
  for (let i = 0; i < take; i++) for (let c = 0; c < dim; c++) cells[(filled + i) * dim + c] = b.embeddings[i * dim + c]! + noise();
  filled += take;
}

const t0 = performance.now();
const svc = await openAtlasIndex(values.index, { adapterPath: values.adapter, workers: Number(values.workers), threadsPerWorker: Number(values.threads) });
console.log(`open: ${(performance.now() - t0).toFixed(0)} ms (${svc.manifest.numCells.toLocaleString('en-US')} cells, ${svc.manifest.numScales} prefixes, ${values.workers} workers × ${values.threads} threads)`);

for (const level of svc.info().levels.map((l) => l.name)) {
  for (let i = 0; i < 20; i++) await svc.search({ embeddings: cells.slice(i * dim, (i + 1) * dim), n: 1, level, k: 10 });
  const lat: number[] = [];
  for (let i = 0; i < numQueries; i++) {
    const q = cells.slice((i % filled) * dim, ((i % filled) + 1) * dim);
    const s = performance.now();
    await svc.search({ embeddings: q, n: 1, level, k: 10 });
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  console.log(`search ${level.padEnd(8)} k=10: p50 ${percentile(lat, 0.5).toFixed(2)} ms, p95 ${percentile(lat, 0.95).toFixed(2)} ms (${numQueries} sequential queries)`);
}

const filterLabel = svc.manifest.vocabularies.level2_lineage[0]!;
const fl: number[] = [];
for (let i = 0; i < Math.min(100, numQueries); i++) {
  const s = performance.now();
  await svc.search({ embeddings: cells.slice(i * dim, (i + 1) * dim), n: 1, k: 10, filter: { include: { lineage: [filterLabel] } } });
  fl.push(performance.now() - s);
}
fl.sort((a, b) => a - b);
console.log(`search finest k=10 filter lineage=${filterLabel} (${svc.manifest.labelCounts.level2_lineage[0]} cells): p50 ${percentile(fl, 0.5).toFixed(2)} ms, p95 ${percentile(fl, 0.95).toFixed(2)} ms`);

let maxLag = 0;
let last = performance.now();
const timer = setInterval(() => {
  const now = performance.now();
  maxLag = Math.max(maxLag, now - last - 10);
  last = now;
}, 10);
const elu0 = performance.eventLoopUtilization();
const a0 = performance.now();
const res = await svc.annotateJson!({ embeddings: cells.slice(0, numCells * dim), n: numCells, k: 50, weighting: 'uniform' });
const secs = (performance.now() - a0) / 1000;
clearInterval(timer);
const elu = performance.eventLoopUtilization(elu0);
console.log(
  `annotate (annotateJson, ${(res.json.length / 2 ** 20).toFixed(1)} MiB of JSON) ${numCells} cells k=50: ${secs.toFixed(2)} s = ${Math.round(numCells / secs)} cells/s ` +
    `(worker time: adapter ${(res.timings.adapterMs / 1000).toFixed(2)} s, search ${(res.timings.searchMs / 1000).toFixed(2)} s, vote ${(res.timings.voteMs / 1000).toFixed(2)} s); ` +
    `longest main-thread timer delay ${maxLag.toFixed(0)} ms, main-thread busy ${(elu.utilization * 100).toFixed(0)}% of the time`,
);
await svc.close();
