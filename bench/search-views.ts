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
import { median } from './stats.js';


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

/** One prefix × beam: recall@10 against exact, single-query and batch q/s, and what opening the view cost. */
export interface ViewRow {
  readonly dims: number;
  readonly ef: number;
  readonly recallAt10: number;
  readonly singleQps: number;
  readonly batchQps: number;
  readonly batchQps1Thread: number;
  readonly viewMs: number;
  readonly load: number;
}

/** Measures every (prefix dims, ef) of a built index with the exported held-out adapter outputs. */
export async function runSearchViews(o: { indexDir: string; queriesDir: string; efs: readonly number[]; widths: readonly number[]; repeats: number; numQueries: number; log?: (l: string) => void }): Promise<ViewRow[]> {
  const dir = o.indexDir;
  const m = await readManifest(dir);
  const meta = JSON.parse(readFileSync(join(o.queriesDir, 'meta.json'), 'utf8')) as { n: number; width: number };
  const raw = readFileSync(join(o.queriesDir, 'queries.f32'));
  const nq = Math.min(o.numQueries, meta.n);
  const all = new Float32Array(raw.buffer, raw.byteOffset, meta.n * meta.width).slice(0, nq * meta.width);
  const width = m.numScales * m.scaleDim;
  const file = new VectorFile(join(dir, INDEX_FILES.vectors), width, m.numCells);
  const stored = file.readRows(Int32Array.from({ length: m.numCells }, (_, i) => i));
  file.close();
  const threads = availableParallelism();
  const out: ViewRow[] = [];
  for (const dims of o.widths) {
    const entry = m.prefixes.find((p) => p.dims === dims);
    if (!entry) continue;
    const q = l2NormalizeRows(all, nq, width, dims);
    const exact = exactNeighbours(l2NormalizeRows(stored, m.numCells, width, dims), q, dims, 10, threads).rows;
    for (const ef of o.efs) {
      const t0 = performance.now();
      const index = VectorIndex.view(join(dir, entry.file), { dims, quantization: m.quantization, connectivity: m.connectivity, expansionAdd: m.expansionAdd, expansionSearch: ef }, m.numCells);
      const viewMs = performance.now() - t0;
      const recallAt10 = recallAt(index.search(q, 10, threads).rows, exact, nq, 10);
      const single = timed(() => {
        for (let i = 0; i < nq; i++) index.search(q.subarray(i * dims, (i + 1) * dims), 10, 1);
      }, o.repeats);
      const batch = timed(() => index.search(q, 10, threads), o.repeats);
      const batch1 = timed(() => index.search(q, 10, 1), o.repeats);
      const row = { dims, ef, recallAt10, singleQps: nq / single, batchQps: nq / batch, batchQps1Thread: nq / batch1, viewMs, load: loadavg()[0]! };
      out.push(row);
      o.log?.(`  ${dims}-d ef ${ef}: recall@10 ${recallAt10.toFixed(3)}, single ${row.singleQps.toFixed(0)} q/s, batch ${row.batchQps.toFixed(0)} q/s (view opened in ${viewMs.toFixed(1)} ms, load ${row.load.toFixed(2)})`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { index: { type: 'string' }, queries: { type: 'string' }, efs: { type: 'string', default: '16,24,32,48,64,100' }, widths: { type: 'string', default: '32,128' }, repeats: { type: 'string', default: '3' }, nq: { type: 'string', default: '1000' } } });
  const nums = (s: string) => s.split(',').map(Number);
  await runSearchViews({ indexDir: values.index!, queriesDir: values.queries!, efs: nums(values.efs!), widths: nums(values.widths!), repeats: Number(values.repeats), numQueries: Number(values.nq), log: (l) => process.stdout.write(`${l}\n`) });
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
