/**
 * `/v1/search` plans side by side (issue 12): `hnsw` (the prefix's own index) against `funnel` (a
 * FUNNEL_SHORTLIST_FACTOR·k shortlist at the shortest prefix, exact rerank at the requested prefix), through
 * the service in-process (adapter included), one query per call: q/s and recall@k against the exact
 * neighbours of the adapter outputs at each prefix. Medians of --repeats.
 *
 *   node dist/bench/search-plans.js --index DIR --adapter models/demo-adapter.onnx --queries held.parquet [--n 1000] [--k 10]
 */
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { l2NormalizeRows, openAdapter } from '../adapter/index.js';
import { openAtlas } from '../atlas/index.js';
import { sampleAtlas } from '../eval/index.js';
import { CellIdReader, INDEX_FILES, VectorFile, exactNeighbours } from '../index-files/index.js';
import { SEARCH_PLANS, openAtlasIndex, type SearchPlan } from '../search/index.js';
import { median } from './stats.js';


/** One prefix × plan. */
export interface PlanRow {
  readonly prefix: number;
  readonly dims: number;
  readonly plan: SearchPlan;
  readonly qps: number;
  readonly recall: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { index: { type: 'string' }, adapter: { type: 'string' }, queries: { type: 'string' }, n: { type: 'string' }, k: { type: 'string' }, repeats: { type: 'string' } } });
  if (!values.index || !values.adapter || !values.queries) throw new Error('usage: search-plans --index DIR --adapter FILE --queries held.parquet [--n 1000] [--k 10] [--repeats 3]');
  const k = Number(values.k ?? 10);
  const repeats = Number(values.repeats ?? 3);
  const sample = await sampleAtlas(await openAtlas(values.queries), Number(values.n ?? 1000), 0);
  const { n, dim } = sample;
  const svc = await openAtlasIndex(values.index, { adapterPath: values.adapter, workers: 0 });
  const m = svc.manifest;
  const adapter = await openAdapter(values.adapter, { inputDim: dim });
  const full = await adapter.embed(sample.embeddings, n);
  await adapter.close();
  const stored = new VectorFile(join(values.index, INDEX_FILES.vectors), m.numScales * m.scaleDim, m.numCells);
  const all = stored.readRows(Int32Array.from({ length: m.numCells }, (_, i) => i));
  stored.close();
  const ids = new CellIdReader({ ids: join(values.index, INDEX_FILES.cellIds), offsets: join(values.index, INDEX_FILES.cellIdOffsets), hash: join(values.index, INDEX_FILES.cellIdHash) }, m.numCells);
  const width = m.numScales * m.scaleDim;
  const load = loadavg()[0]!;
  for (const { prefix, dims } of m.prefixes) {
    const truth = exactNeighbours(l2NormalizeRows(all, m.numCells, width, dims), l2NormalizeRows(full, n, width, dims), dims, k, 2);
    for (const plan of SEARCH_PLANS) {
      const found: string[][] = [];
      const runs: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        for (let q = 0; q < n; q++) {
          const res = await svc.search({ embeddings: sample.embeddings.subarray(q * dim, (q + 1) * dim), n: 1, k, prefix, plan });
          if (r === 0) found.push(res.results[0]!.hits.map((h) => h.cell_id));
        }
        runs.push((performance.now() - t0) / 1000);
      }
      let hits = 0;
      for (let q = 0; q < n; q++) {
        const exact = new Set(Array.from(truth.rows.subarray(q * k, (q + 1) * k), (row) => ids.cellId(row)));
        hits += found[q]!.filter((id) => exact.has(id)).length;
      }
      const row: PlanRow = { prefix, dims, plan, qps: n / median(runs), recall: hits / (n * k) };
      console.log(`prefix ${prefix} (${dims} d) ${plan}: ${row.qps.toFixed(0)} q/s single-query, recall@${k} ${row.recall.toFixed(3)} (load ${load.toFixed(1)})`);
    }
  }
  ids.close();
  await svc.close();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
