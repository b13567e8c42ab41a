/**
 * In-process search on a built index's own prefix files (issue 12): recall@10 against the exact neighbours
 * of the stored vectors, single-query q/s (1 thread, one call per query) and a batch of 1,000 (all threads),
 * for several expansion_search values — each a separate memory-mapped view of the same file (the JS binding
 * fixes ef per index object); the cost of opening a view is measured too. Medians of --repeats.
 *
 *   node dist/bench/search-views.js --index DIR --queries DIR(from annotate-plans --export) [--efs 16,24,32,48,64,100]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { l2NormalizeRows } from '../adapter/index.js';
import { INDEX_FILES, VectorFile, VectorIndex, exactNeighbours, readManifest } from '../index-files/index.js';

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timed(fn: () => void, repeats: number): number {
  const runs: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    fn();
    runs.push((performance.now() - t0) / 1000);
  }
  return median(runs);
}

function recallAt(found: Int32Array, exact: Int32Array, n: number, k: number): number {
  let hit = 0;
  for (let q = 0; q < n; q++) {
    const truth = new Set(exact.subarray(q * k, (q + 1) * k));
    for (let i = 0; i < k; i++) if (truth.has(found[q * k + i]!)) hit++;
  }
  return hit / (n * k);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { index: { type: 'string' }, queries: { type: 'string' }, efs: { type: 'string', default: '16,24,32,48,64,100' }, widths: { type: 'string', default: '32,128' }, repeats: { type: 'string', default: '3' }, nq: { type: 'string', default: '1000' } } });
  const dir = values.index!;
  const m = await readManifest(dir);
  const meta = JSON.parse(readFileSync(join(values.queries!, 'meta.json'), 'utf8')) as { n: number; width: number };
  const raw = readFileSync(join(values.queries!, 'queries.f32'));
  const nq = Math.min(Number(values.nq), meta.n);
  const all = new Float32Array(raw.buffer, raw.byteOffset, meta.n * meta.width).slice(0, nq * meta.width);
  const width = m.numScales * m.scaleDim;
  const file = new VectorFile(join(dir, INDEX_FILES.vectors), width, m.numCells);
  const stored = file.readRows(Int32Array.from({ length: m.numCells }, (_, i) => i));
  file.close();
  const repeats = Number(values.repeats);
  const threads = availableParallelism();
  const out: unknown[] = [];
  for (const dims of values.widths!.split(',').map(Number)) {
    const entry = m.prefixes.find((p) => p.dims === dims)!;
    const q = l2NormalizeRows(all, nq, width, dims);
    const exact = exactNeighbours(l2NormalizeRows(stored, m.numCells, width, dims), q, dims, 10, threads).rows;
    for (const ef of values.efs!.split(',').map(Number)) {
      const t0 = performance.now();
      const rss0 = process.memoryUsage().rss;
      const index = VectorIndex.view(join(dir, entry.file), { dims, quantization: m.quantization, connectivity: m.connectivity, expansionAdd: m.expansionAdd, expansionSearch: ef }, m.numCells);
      const viewMs = performance.now() - t0;
      const viewRssMiB = (process.memoryUsage().rss - rss0) / 2 ** 20;
      const recall = recallAt(index.search(q, 10, threads).rows, exact, nq, 10);
      const single = timed(() => {
        for (let i = 0; i < nq; i++) index.search(q.subarray(i * dims, (i + 1) * dims), 10, 1);
      }, repeats);
      const batch = timed(() => index.search(q, 10, threads), repeats);
      const batch1 = timed(() => index.search(q, 10, 1), repeats);
      const row = { dims, ef, recallAt10: recall, singleQps: nq / single, batchQps: nq / batch, batchQps1Thread: nq / batch1, viewMs, viewRssMiB, load: loadavg()[0] };
      out.push(row);
      process.stdout.write(`${JSON.stringify(row)}\n`);
    }
  }
}

await main();
