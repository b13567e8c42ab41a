/**
 * `npm run bench -- --only peers` (issue 12): fractal-atlas against what a SCimilarity user runs — Python
 * hnswlib and faiss HNSW (bench/peers.py, Debian's /usr/bin/python3) — on the same index vectors in the same
 * run: annotate plans (accuracy and cells/s), in-process search per beam, builds. Skipped with a reason where
 * Python or a module is missing. Every row has the ratio ours / peer and the load average.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../common/index.js';
import { openAtlas } from '../atlas/index.js';
import { readManifest } from '../index-files/index.js';
import { sampleAtlas } from '../eval/index.js';
import { ANNOTATE_PLANS } from '../search/index.js';
import { exportForPeers, runPlanBench, type PlanFigure } from './annotate-plans.js';
import { runSearchViews, type ViewRow } from './search-views.js';

const PYTHON = '/usr/bin/python3';

interface PeerSearchRow {
  readonly ef: number;
  readonly recall_at_10: number;
  readonly single_qps: number;
  readonly batch_qps: number;
}

interface PeerAnnotate {
  readonly cells_per_s: number;
  readonly cpu_us_per_cell: number;
  readonly accuracy: readonly number[];
}

interface PeerEngine {
  readonly skipped?: string;
  readonly builds?: Record<string, number>;
  readonly annotate_one_search?: PeerAnnotate;
  readonly annotate_per_level?: PeerAnnotate;
  readonly loadavg?: number;
  readonly [search: `search_${number}`]: PeerSearchRow[] | undefined;
}

export interface PeersResult {
  readonly cells: number;
  readonly heldOut: number;
  readonly buildSeconds: number;
  readonly plans: readonly PlanFigure[];
  readonly views: readonly ViewRow[];
  readonly python: { readonly skipped?: string; readonly engines?: Record<string, PeerEngine>; readonly threads?: number; readonly loadavg_start?: number };
}

/** Runs the plans, the beam views and the Python peers on one built index and its held-out cells. */
export async function runPeersBench(o: { indexDir: string; heldOut: string; adapterPath: string; repeats: number; log: (l: string) => void }): Promise<PeersResult> {
  const manifest = await readManifest(o.indexDir);
  const sample = await sampleAtlas(await openAtlas(o.heldOut), 1e9, 0);
  o.log(`peers: annotate plans on ${sample.n} held-out cells against ${manifest.numCells} cells`);
  const plans = await runPlanBench({ indexDir: o.indexDir, adapterPath: o.adapterPath, sample, k: 50, body: 1000, repeats: o.repeats, workers: [0, 2], plans: ANNOTATE_PLANS, log: o.log });
  const dir = await mkdtemp(join(tmpdir(), 'fa-bench-peers-'));
  try {
    await exportForPeers(dir, o.indexDir, o.adapterPath, sample);
    o.log('peers: in-process search per beam (one memory-mapped view per ef)');
    const views = await runSearchViews({ indexDir: o.indexDir, queriesDir: dir, efs: [16, 24, 32, 48, 64, 100], widths: [32, 128], repeats: o.repeats, numQueries: 1000, log: o.log });
    o.log('peers: Python hnswlib and faiss (bench/peers.py)');
    let python: PeersResult['python'];
    if (!existsSync(PYTHON)) python = { skipped: `${PYTHON} not found` };
    else {
      const r = spawnSync(PYTHON, [projectPath('bench', 'peers.py'), '--index', o.indexDir, '--queries', dir, '--repeats', String(o.repeats), '--threads', '2'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
      python = r.status === 0 ? JSON.parse(r.stdout) : { skipped: `peers.py failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').pop()}` };
    }
    return { cells: manifest.numCells, heldOut: sample.n, buildSeconds: manifest.buildSeconds, plans, views, python };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const f0 = (x: number | undefined) => (x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? '—' : `${(a / b).toFixed(2)}×`);
const accs = (a: readonly number[] | undefined) => (a ? a.map((x) => x.toFixed(3).slice(1)).join('/') : '—');
const table = (head: string[], rows: string[][]) => [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

/** The lowest beam reaching recall@10 ≥ target at a width (ours or a peer's rows). */
function atRecall<T extends { ef: number }>(rows: readonly T[], recall: (r: T) => number, target = 0.95): T | undefined {
  return [...rows].sort((a, b) => a.ef - b.ef).find((r) => recall(r) >= target);
}

/** Markdown of a peers run. */
export function renderPeers(p: PeersResult): string {
  const out: string[] = [`### Peers on the same vectors (${p.cells.toLocaleString('en-US')} demo cells, ${p.heldOut.toLocaleString('en-US')} held-out, k = 50)`, ''];
  const h = p.python.engines?.hnswlib;
  const fa = p.python.engines?.faiss;
  if (p.python.skipped) out.push(`Python peers skipped: ${p.python.skipped}`, '');
  const one = h?.annotate_one_search;
  const per = h?.annotate_per_level;
  out.push(
    table(
      ['plan', 'workers', 'cells/s (median)', 'µs CPU / cell', 'accuracy sys/lin/type/sub', 'vs hnswlib one search (cells/s)', 'vs hnswlib CPU / cell', 'load'],
      p.plans.map((f) => [f.plan, String(f.workers), f0(f.cellsPerSecond), f0(f.cpuUsPerCell), accs(Object.values(f.accuracy)), ratio(f.cellsPerSecond, one?.cells_per_s), ratio(one?.cpu_us_per_cell, f.cpuUsPerCell), f.load.toFixed(2)]),
    ),
    '',
    table(
      ['peer (2 threads, ef 100)', 'cells/s', 'µs CPU / cell', 'accuracy', 'load'],
      [
        ['hnswlib, one 128-d search + vote', f0(one?.cells_per_s), f0(one?.cpu_us_per_cell), accs(one?.accuracy), h?.loadavg?.toFixed(2) ?? '—'],
        ['hnswlib, 4 searches (one per prefix)', f0(per?.cells_per_s), f0(per?.cpu_us_per_cell), accs(per?.accuracy), h?.loadavg?.toFixed(2) ?? '—'],
        ['faiss HNSW, one 128-d search + vote', f0(fa?.annotate_one_search?.cells_per_s), f0(fa?.annotate_one_search?.cpu_us_per_cell), accs(fa?.annotate_one_search?.accuracy), fa?.loadavg?.toFixed(2) ?? '—'],
      ],
    ),
    '',
  );
  const rows: string[][] = [];
  for (const dims of [128, 32]) {
    const ours = p.views.filter((v) => v.dims === dims);
    const peer = (h?.[`search_${dims}`] ?? []) as PeerSearchRow[];
    const o95 = atRecall(ours, (r) => r.recallAt10);
    const h95 = atRecall(peer, (r) => r.recall_at_10);
    const f95 = atRecall((fa?.[`search_${dims}`] ?? []) as PeerSearchRow[], (r) => r.recall_at_10);
    const ef = (r: { ef: number } | undefined, rec: number | undefined) => (r ? `ef ${r.ef}, recall ${rec!.toFixed(3)}` : '—');
    rows.push([`${dims}-d single query, recall@10 ≥ 0.95`, `${f0(o95?.singleQps)} (${ef(o95, o95?.recallAt10)})`, `${f0(h95?.single_qps)} (${ef(h95, h95?.recall_at_10)})`, ratio(o95?.singleQps, h95?.single_qps), `${f0(f95?.single_qps)} (${ef(f95, f95?.recall_at_10)})`, o95?.load.toFixed(2) ?? '—']);
    rows.push([`${dims}-d batch of 1,000, 2 threads, same beams`, f0(o95?.batchQps), f0(h95?.batch_qps), ratio(o95?.batchQps, h95?.batch_qps), f0(f95?.batch_qps), o95?.load.toFixed(2) ?? '—']);
    const o64 = ours.find((v) => v.ef === 64);
    const h64 = peer.find((r) => r.ef === 64);
    rows.push([`${dims}-d single query at ef 64`, `${f0(o64?.singleQps)} (recall ${o64?.recallAt10.toFixed(3) ?? '—'})`, `${f0(h64?.single_qps)} (recall ${h64?.recall_at_10.toFixed(3) ?? '—'})`, ratio(o64?.singleQps, h64?.single_qps), '', o64?.load.toFixed(2) ?? '—']);
  }
  const hb = h?.builds ? Object.values(h.builds).reduce((a, b) => a + b, 0) : undefined;
  const fb = fa?.builds ? Object.values(fa.builds).reduce((a, b) => a + b, 0) : undefined;
  rows.push(['build all 4 prefixes, 2 threads (ours: + adapter, from the manifest)', `${p.buildSeconds.toFixed(1)} s`, hb === undefined ? '—' : `${hb.toFixed(1)} s`, ratio(hb, p.buildSeconds), fb === undefined ? '—' : `${fb.toFixed(1)} s (${Object.keys(fa!.builds!).join(', ')}-d only)`, h?.loadavg?.toFixed(2) ?? '—']);
  out.push(table(['figure', 'fractal-atlas (q/s)', 'hnswlib', 'ratio', 'faiss', 'load'], rows));
  const views = p.views.filter((v) => v.dims === 128);
  if (views.length > 0) out.push('', `Opening one more memory-mapped view of the 128-d prefix file (another beam): ${views.map((v) => v.viewMs.toFixed(1)).join(', ')} ms.`);
  return out.join('\n');
}
