/**
 * Annotate plans (issue 12): cells/s and per-level accuracy of each `plan` on held-out cells against a built
 * index, through the service (in-process and with worker threads), medians of `--repeats`; optionally
 * exports the held-out adapter outputs and true label codes for the Python peers (bench/peers.py).
 *
 *   node dist/bench/annotate-plans.js --index DIR --queries held.parquet [--adapter FILE] [--k 50]
 *     [--body 1000] [--repeats 3] [--workers 0,2] [--threads 1] [--export DIR] [--out result.json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { projectPath, type LevelColumn } from '../common/index.js';
import { openAdapter } from '../adapter/index.js';
import { openAtlas } from '../atlas/index.js';
import { readManifest } from '../index-files/index.js';
import { sampleAtlas } from '../eval/index.js';

type AtlasSample = Awaited<ReturnType<typeof sampleAtlas>>;
import { ANNOTATE_PLANS, openAtlasIndex, type AnnotatePlan, type AtlasIndexService } from '../search/index.js';
import { median } from './stats.js';

/** One plan × worker count: median cells/s over the repeats and the accuracy per level (same every run). */
export interface PlanFigure {
  readonly plan: AnnotatePlan;
  readonly workers: number;
  readonly cellsPerSecond: number;
  readonly runs: readonly number[];
  /** Median CPU time (all threads of the process) per cell, µs: less sensitive to a loaded machine than cells/s. */
  readonly cpuUsPerCell: number;
  readonly accuracy: Readonly<Record<string, number>>;
  readonly load: number;
  /** Worker time per phase of the last run, ms. */
  readonly phases: { readonly adapterMs: number; readonly searchMs: number; readonly voteMs: number };
}


/** Annotates every held-out cell in bodies of `body` cells (sent one after another), timing the whole pass. */
async function annotateAll(svc: AtlasIndexService, sample: AtlasSample, plan: AnnotatePlan, k: number, body: number) {
  const columns = svc.manifest.levelColumns;
  const correct = columns.map(() => 0);
  const phases = { adapterMs: 0, searchMs: 0, voteMs: 0 };
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let s = 0; s < sample.n; s += body) {
    const n = Math.min(body, sample.n - s);
    const res = await svc.annotate({ embeddings: sample.embeddings.slice(s * sample.dim, (s + n) * sample.dim), n, k, weighting: 'uniform', plan });
    phases.adapterMs += res.timings.adapterMs;
    phases.searchMs += res.timings.searchMs;
    phases.voteMs += res.timings.voteMs;
    res.cells.forEach((cell, q) =>
      columns.forEach((c, i) => {
        if (cell.levels[c]?.label === sample.dictionaries[c][sample.codes[c][s + q]!]) correct[i]!++;
      }),
    );
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { cellsPerSecond: sample.n / seconds, cpuUsPerCell: (cpu.user + cpu.system) / sample.n, phases, accuracy: Object.fromEntries(columns.map((c, i) => [c, correct[i]! / sample.n])) };
}

/** Every plan at every worker count; the order of plans rotates between repeats so warm-up favours none. */
export async function runPlanBench(o: { indexDir: string; adapterPath: string; sample: AtlasSample; k: number; body: number; repeats: number; workers: readonly number[]; threads?: number; plans: readonly AnnotatePlan[]; log: (l: string) => void }): Promise<PlanFigure[]> {
  const out: PlanFigure[] = [];
  for (const workers of o.workers) {
    const svc = await openAtlasIndex(o.indexDir, { adapterPath: o.adapterPath, workers, threadsPerWorker: o.threads ?? 1, verify: 'none' });
    try {
      await annotateAll(svc, { ...o.sample, n: Math.min(o.sample.n, 500) }, 'full', o.k, o.body);
      const runs = new Map<AnnotatePlan, number[]>(o.plans.map((p) => [p, []]));
      const cpus = new Map<AnnotatePlan, number[]>(o.plans.map((p) => [p, []]));
      const acc = new Map<AnnotatePlan, Record<string, number>>();
      const phases = new Map<AnnotatePlan, PlanFigure['phases']>();
      for (let r = 0; r < o.repeats; r++) {
        for (let i = 0; i < o.plans.length; i++) {
          const plan = o.plans[(i + r) % o.plans.length]!;
          const f = await annotateAll(svc, o.sample, plan, o.k, o.body);
          runs.get(plan)!.push(f.cellsPerSecond);
          cpus.get(plan)!.push(f.cpuUsPerCell);
          acc.set(plan, f.accuracy);
          phases.set(plan, f.phases);
          o.log(`  workers ${workers} plan ${plan}: ${f.cellsPerSecond.toFixed(0)} cells/s, ${f.cpuUsPerCell.toFixed(0)} µs CPU/cell, accuracy ${Object.values(f.accuracy).map((a) => a.toFixed(3)).join('/')} (load ${loadavg()[0]!.toFixed(2)})`);
        }
      }
      for (const plan of o.plans) out.push({ plan, workers, cellsPerSecond: median(runs.get(plan)!), runs: runs.get(plan)!, cpuUsPerCell: median(cpus.get(plan)!), accuracy: acc.get(plan)!, phases: phases.get(plan)!, load: loadavg()[0]! });
    } finally {
      await svc.close();
    }
  }
  return out;
}

/** Writes queries.f32 (adapter outputs, n × width), truth.i32 (per level, codes into the index vocabularies). */
export async function exportForPeers(dir: string, indexDir: string, adapterPath: string, sample: AtlasSample): Promise<void> {
  const m = await readManifest(indexDir);
  const adapter = await openAdapter(adapterPath, { inputDim: m.inputDim, threads: 2 });
  try {
    const full = await adapter.embed(sample.embeddings, sample.n);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'queries.f32'), new Uint8Array(full.buffer, full.byteOffset, full.byteLength));
    const truth = new Int32Array(m.levelColumns.length * sample.n);
    m.levelColumns.forEach((c: LevelColumn, l) => {
      for (let q = 0; q < sample.n; q++) truth[l * sample.n + q] = m.vocabularies[c].indexOf(sample.dictionaries[c][sample.codes[c][q]!]!);
    });
    writeFileSync(join(dir, 'truth.i32'), new Uint8Array(truth.buffer));
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ n: sample.n, width: m.numScales * m.scaleDim, numCells: m.numCells, levels: m.levelColumns, indexDir }));
  } finally {
    await adapter.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      index: { type: 'string' },
      queries: { type: 'string' },
      adapter: { type: 'string', default: projectPath('models', 'demo-adapter.onnx') },
      k: { type: 'string', default: '50' },
      body: { type: 'string', default: '1000' },
      repeats: { type: 'string', default: '3' },
      workers: { type: 'string', default: '0,2' },
      // usearch and onnxruntime threads per engine (the peers' annotate uses 2)
      threads: { type: 'string', default: '1' },
      plans: { type: 'string', default: ANNOTATE_PLANS.join(',') },
      export: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (!values.index || !values.queries) throw new Error('annotate-plans: give --index DIR and --queries held-out.parquet');
  const sample = await sampleAtlas(await openAtlas(values.queries), 1e9, 0);
  const log = (l: string) => process.stdout.write(`${l}\n`);
  if (values.export) {
    await exportForPeers(values.export, values.index, values.adapter!, sample);
    log(`exported ${sample.n} held-out adapter outputs to ${values.export}`);
    return;
  }
  const figures = await runPlanBench({ indexDir: values.index, adapterPath: values.adapter!, sample, k: Number(values.k), body: Number(values.body), repeats: Number(values.repeats), workers: values.workers!.split(',').map(Number), threads: Number(values.threads), plans: values.plans!.split(',') as AnnotatePlan[], log });
  for (const f of figures) log(`${f.plan}\tworkers ${f.workers}\t${f.cellsPerSecond.toFixed(0)} cells/s\t${f.cpuUsPerCell.toFixed(0)} µs CPU/cell\t${Object.values(f.accuracy).map((a) => a.toFixed(3)).join('/')}\tadapter/search/vote ms ${[f.phases.adapterMs, f.phases.searchMs, f.phases.voteMs].map((v) => v.toFixed(0)).join('/')}\tload ${f.load.toFixed(2)}`);
  if (values.out) writeFileSync(values.out, JSON.stringify(figures, null, 2));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
