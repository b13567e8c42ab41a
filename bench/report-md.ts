/** BENCHMARKS.md tables and the 7.9M-cell fit arithmetic, from the results JSON. Pure formatting. */
import { formatFractalTable, formatIndexEvaluation, type EvaluationReport, type IndexEvaluationReport } from '../eval/index.js';
import type { EngineBenchResult } from './engine-bench.js';
import type { HttpBenchResult } from './http-bench.js';
import type { ThroughputRow } from './adapter-throughput.js';
import type { runFairnessBench } from './fairness.js';
import { renderHttpPeers, type HttpPeersResult } from './http-peers.js';
import { renderPeers, type PeersResult } from './peers.js';

/** Everything bench/results/latest.json holds. */
export interface BenchResults {
  command: string;
  date: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; platform: string; loadAverageAtStart: number };
  engines: EngineBenchResult[];
  adapter: { model: string; rows: ThroughputRow[]; skipped?: string } | null;
  serving: {
    cells: number;
    adapter: string;
    buildSeconds: number;
    vectorsPerSecond: number;
    files: { name: string; bytes: number }[];
    http: HttpBenchResult;
    /** One-cell search latency during big requests, and the verify time (absent in results from before). */
    fairness?: Awaited<ReturnType<typeof runFairnessBench>>;
  } | null;
  evaluation: { adapter: string; exact: EvaluationReport | null; index: IndexEvaluationReport | null } | null;
  /** Issue 12's side-by-side run (absent in results from before). */
  peers?: PeersResult | null;
  /** Issue 12's HTTP rows against the FastAPI peer (absent in results from before). */
  httpPeers?: HttpPeersResult | null;
  fit: FitVerdict | null;
  seconds: number;
}

/** One quantization's 7.9M-cell arithmetic. */
export interface FitRow {
  readonly quantization: string;
  /** Size the bytes per cell were measured at. */
  readonly measuredAt: number;
  readonly indexBytesPerCell: number;
  readonly otherBytesPerCell: number;
  readonly totalGiB: number;
  readonly fits: boolean;
  /** Everything an index folder built `--with-original` holds: + original index (same scalar) and the stored vectors. */
  readonly folderBytesPerCell: number;
  readonly folderGiB: number;
  readonly folderFits: boolean;
}

/** Whether the seed's atlas fits, per quantization. */
export interface FitVerdict {
  readonly cells: number;
  readonly machineGiB: number;
  readonly headroomGiB: number;
  /** Resident per-cell data besides the prefix indexes (labels, cell ids), from the serving index's files. */
  readonly otherFiles: readonly string[];
  readonly rows: readonly FitRow[];
}

const RESIDENT_FILES = ['labels', 'cellIds', 'cellIdOffsets', 'cellIdHash'];
/** Memory-mapped f32 vectors, read only for cell-id queries and exact filtered search. */
const STORED_FILES = ['vectors', 'originalVectors'];

/**
 * Memory of all prefix indexes for `cells` cells at each quantization, from the largest size where that
 * quantization ran at every prefix, plus labels and cell ids per cell from the serving build, against the
 * machine's total memory (os.totalmem) less 3 GiB headroom (OS, Node, workers). The folder column adds the original index and
 * the stored f32 vectors (memory-mapped, read only for cell-id queries and exact filtered search).
 */
export function fitVerdict(r: BenchResults, cells: number): FitVerdict | null {
  const numPrefixDims = Math.max(0, ...r.engines.map((e) => new Set(e.search.map((s) => s.prefixDim)).size));
  const serving = r.serving;
  const other = serving ? serving.files.filter((f) => RESIDENT_FILES.includes(f.name)) : [];
  const otherBytesPerCell = serving ? other.reduce((s, f) => s + f.bytes, 0) / serving.cells : 0;
  const stored = serving ? serving.files.filter((f) => STORED_FILES.includes(f.name)) : [];
  const storedBytesPerCell = serving ? stored.reduce((s, f) => s + f.bytes, 0) / serving.cells : 0;
  const machineGiB = r.machine.memoryGiB;
  const headroomGiB = 3;
  const rows: FitRow[] = [];
  for (const q of ['f32', 'f16', 'i8']) {
    const full = r.engines.filter((e) => e.totals[`usearch-${q}`]?.prefixDims.length === numPrefixDims).sort((a, b) => b.n - a.n)[0];
    if (!full) continue;
    const indexBytesPerCell = full.totals[`usearch-${q}`].bytesPerCell;
    const totalGiB = ((indexBytesPerCell + otherBytesPerCell) * cells) / 2 ** 30;
    const widest = Math.max(...full.totals[`usearch-${q}`].prefixDims);
    const originalIndex = full.search.find((x) => x.engine === 'usearch' && x.quantization === q && x.prefixDim === widest);
    const originalBpc = originalIndex ? originalIndex.serializedBytes / full.n : 0;
    const folderBytesPerCell = indexBytesPerCell + otherBytesPerCell + originalBpc + storedBytesPerCell;
    const folderGiB = (folderBytesPerCell * cells) / 2 ** 30;
    rows.push({
      quantization: q, measuredAt: full.n, indexBytesPerCell, otherBytesPerCell, totalGiB, fits: totalGiB <= machineGiB - headroomGiB,
      folderBytesPerCell, folderGiB, folderFits: folderGiB <= machineGiB - headroomGiB,
    });
  }
  return rows.length ? { cells, machineGiB, headroomGiB, otherFiles: other.map((f) => f.name), rows } : null;
}

const f0 = (x: number) => Math.round(x).toLocaleString('en');
const f1 = (x: number) => x.toFixed(1);
const f3 = (x: number) => x.toFixed(3);

function md(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function engineTables(e: EngineBenchResult): string {
  const rows: string[][] = [];
  const dims = [...new Set(e.search.map((s) => s.prefixDim))].sort((a, b) => a - b);
  for (const d of dims) {
    const ex = e.exact.find((x) => x.prefixDim === d);
    if (ex) rows.push([String(d), 'exact scan', 'f32', '—', '—', '—', '1.000', f0(ex.singleQps), '—', f0(ex.batchQpsThreads)]);
    for (const s of e.search.filter((x) => x.prefixDim === d)) {
      rows.push([
        String(d), s.engine, s.quantization, `${f1(s.buildSeconds)} (${s.buildThreads})`, f0(s.serializedBytes / e.n),
        `${s.ef}${s.reachedTarget ? '' : ' (plateau)'}`, f3(s.recall), f0(s.singleQps), f0(s.batchQps1Thread), s.batchQpsThreads === null ? 'n/a' : f0(s.batchQpsThreads),
      ]);
    }
  }
  const totals = Object.entries(e.totals).map(([k, t]) => [k, t.prefixDims.join('+'), `${f1(t.buildSeconds)} (${t.buildThreads})`, f0(t.bytesPerCell)]);
  return [
    `#### ${f0(e.n)} reference cells (${e.numQueries} queries, recall@${e.k} ≥ ${e.targetRecall}, M = ${e.params.m}, ef_construction = ${e.params.efConstruction})`,
    '',
    md(['dims', 'engine', 'scalar', 'build s (threads)', 'B/cell', 'ef', `recall@${e.k}`, 'single q/s', 'batch q/s, 1 thread', `batch q/s, ${e.threads} threads`], rows),
    '',
    md(['engine-scalar', 'prefix dims', 'build s, all (threads)', 'bytes/cell, all together'], totals),
  ].join('\n');
}

/** The generated part of BENCHMARKS.md. */
export function renderBenchmarkTables(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(`Run ${r.date} — \`${r.command}\` — ${f0(r.seconds)} s. Machine: ${m.cores} × ${m.cpu}, ${f1(m.memoryGiB)} GiB, Node ${m.node}, ${m.platform}; load average at start ${m.loadAverageAtStart.toFixed(2)}.`);
  out.push('', '### Engines: usearch (ours) vs hnswlib-node, exact scan as the floor');
  for (const e of r.engines) out.push('', engineTables(e));
  if (r.adapter) {
    out.push('', `### Adapter (${r.adapter.model})`, '');
    if (r.adapter.skipped) out.push(`skipped: ${r.adapter.skipped}`);
    else out.push(md(['adapter', 'batch', 'threads', 'cells/s'], r.adapter.rows.map((x) => [x.adapter, String(x.batchSize), String(x.threads), f0(x.cellsPerSecond)])));
  }
  if (r.serving) {
    const s = r.serving;
    const h = s.http;
    out.push('', `### Serving: ${f0(s.cells)}-cell demo index (${s.adapter}), HTTP on loopback, ${h.workers} workers`, '');
    out.push(`Index build (all prefixes + original): ${f1(s.buildSeconds)} s, ${f0(s.vectorsPerSecond)} vectors/s.`, '');
    out.push(md(['request', 'cells/req', 'k', 'connections', 'requests', 'req/s', 'cells/s', 'p50 ms', 'p99 ms', 'errors'], [h.search, h.annotate].map((x) => [
      `POST ${x.endpoint}`, String(x.cellsPerRequest), String(x.k), String(x.connections), String(x.requests), x.requestsPerSecond.toFixed(x.requestsPerSecond < 10 ? 2 : 0), f0(x.cellsPerSecond), String(x.latencyP50Ms), String(x.latencyP99Ms), String(x.errors),
    ])));
    out.push('', md(['GET /healthz', 'probes', 'p50 ms', 'p99 ms', 'max ms'], [
      ['idle', String(h.healthzIdle.probes), h.healthzIdle.p50Ms.toFixed(2), h.healthzIdle.p99Ms.toFixed(2), h.healthzIdle.maxMs.toFixed(2)],
      ['while annotate runs', String(h.healthzDuringAnnotate.probes), h.healthzDuringAnnotate.p50Ms.toFixed(2), h.healthzDuringAnnotate.p99Ms.toFixed(2), h.healthzDuringAnnotate.maxMs.toFixed(2)],
    ]));
    if (s.fairness) {
      const fr = s.fairness;
      const row = (what: string, p: typeof fr.idle) => [what, String(p.probes), p.p50Ms.toFixed(2), p.p99Ms.toFixed(2), p.maxMs.toFixed(2)];
      out.push('', md(['one-cell search (subtype, k 10)', 'probes', 'p50 ms', 'p99 ms', 'max ms'], [
        row('idle', fr.idle),
        row(`during a ${f0(fr.bigSearch.cells)}-id search, k ${fr.bigSearch.k} (${f1(fr.bigSearch.seconds)} s, ${fr.bigSearch.status})`, fr.bigSearch.probe),
        row(`during a ${f0(fr.bigAnnotate.cells)}-cell annotate, k ${fr.bigAnnotate.k} (${f1(fr.bigAnnotate.seconds)} s, ${fr.bigAnnotate.status})`, fr.bigAnnotate.probe),
      ]));
      out.push('', `verify full of the index: ${f0(fr.verifyFull.bytes)} bytes in ${fr.verifyFull.seconds} s (load average ${fr.loadavg.join(' / ')}).`);
    }
    out.push('', md(['index file', 'bytes', 'bytes/cell'], s.files.map((f) => [f.name, f0(f.bytes), f1(f.bytes / s.cells)])));
  }
  if (r.evaluation) {
    out.push('', `### Evaluation (adapter ${r.evaluation.adapter})`);
    if (r.evaluation.exact) out.push('', '```', formatFractalTable(r.evaluation.exact.table), '```');
    if (r.evaluation.index) out.push('', '```', formatIndexEvaluation(r.evaluation.index), '```');
  }
  if (r.fit) {
    const f = r.fit;
    out.push('', `### Does the seed's ${f0(f.cells)}-cell atlas fit in ${f1(f.machineGiB)} GiB with all prefixes?`, '');
    out.push(md(['scalar', 'measured at n', 'all prefix indexes B/cell', `+ ${f.otherFiles.join(', ') || 'labels/ids'} B/cell`, `× ${f0(f.cells)} = GiB`, `fits (≤ ${f1(f.machineGiB - f.headroomGiB)} GiB)`, 'whole folder with original index + stored vectors, B/cell', 'GiB', 'fits'], f.rows.map((x) => [
      x.quantization, f0(x.measuredAt), f0(x.indexBytesPerCell), f1(x.otherBytesPerCell), f1(x.totalGiB), x.fits ? 'yes' : 'no', f0(x.folderBytesPerCell), f1(x.folderGiB), x.folderFits ? 'yes' : 'no',
    ])));
  }
  if (r.peers) out.push('', renderPeers(r.peers));
  if (r.httpPeers) out.push('', renderHttpPeers(r.httpPeers));
  return out.join('\n');
}

