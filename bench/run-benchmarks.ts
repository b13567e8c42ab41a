/**
 * `npm run bench`: every benchmark of issue 5 in one run, on demo data, results to bench/results/latest.json
 * and the tables of BENCHMARKS.md (between its `bench:begin`/`bench:end` markers).
 *
 *   node dist/bench/run-benchmarks.js [--sizes 100000,1000000] [--only engines,adapter,serving,eval,batches,peers,http-peers]
 *     [--merge] [--queries 1000] [--large-queries 200] [--full-matrix-max 200000] [--serving-cells 100000]
 *
 * Sizes up to --full-matrix-max get the full engine matrix (usearch f32/f16/i8 and hnswlib-node at every
 * prefix, all built on 1 thread). Larger sizes get usearch f32 (built on all cores) and hnswlib-node at the
 * --large-prefix-dims only (default 128), to keep the 1M run within ~15 minutes on 2 cores; bytes per cell
 * do not depend on n (measured: within 0.1% from 5k to 100k cells), so the 100k quantization figures stand.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectPath } from '../common/index.js';
import { openAtlas } from '../atlas/index.js';
import { BUILD_DEFAULTS, buildAtlasIndex } from '../index-build/index.js';
import { runEvaluation, runIndexEvaluation, sampleAtlas } from '../eval/index.js';
import { benchAdapterThroughput } from './adapter-throughput.js';
import { generateBenchCells } from './data.js';
import { writeSplitDemoAtlas } from './demo-files.js';
import { runEngineBench, type EngineBenchResult } from './engine-bench.js';
import { runFairnessBench } from './fairness.js';
import { runHttpBench } from './http-bench.js';
import { runBatchBench } from './batch-bench.js';
import { runHttpPeersBench } from './http-peers.js';
import { runPeersBench } from './peers.js';
import { fitVerdict, renderBenchmarkTables, type BenchResults } from './report-md.js';

const SECTIONS = ['engines', 'adapter', 'serving', 'eval', 'batches', 'peers', 'http-peers'] as const;

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    only: { type: 'string', default: SECTIONS.join(',') },
    merge: { type: 'boolean', default: false },
    'render-only': { type: 'boolean', default: false },
    queries: { type: 'string', default: '1000' },
    'large-queries': { type: 'string', default: '200' },
    'full-matrix-max': { type: 'string', default: '200000' },
    'prefix-dims': { type: 'string', default: '32,64,96,128' },
    'large-prefix-dims': { type: 'string', default: '128' },
    'serving-cells': { type: 'string', default: '100000' },
    'held-out': { type: 'string', default: '5000' },
    'target-recall': { type: 'string', default: '0.95' },
    // peers: an index already built (and its held-out cells) instead of building one of --serving-cells.
    'peers-index': { type: 'string' },
    'peers-queries': { type: 'string' },
    'peers-repeats': { type: 'string', default: '3' },
    'http-seconds': { type: 'string', default: '10' },
    adapter: { type: 'string', default: projectPath('models', 'demo-adapter.onnx') },
    // The demo adapter was trained on the demo atlas of seed 7 (models/README.md); class means depend on the
    // seed, so its held-out cells must come from the same stream (cells past the first 100,000).
    seed: { type: 'string', default: '7' },
    out: { type: 'string', default: projectPath('bench', 'results', 'latest.json') },
    markdown: { type: 'string', default: projectPath('BENCHMARKS.md') },
  },
});
const ints = (s: string) => s.split(',').map((v) => Number(v.trim())).filter((v) => Number.isFinite(v) && v > 0);
const only = new Set(values.only!.split(',').map((s) => s.trim()));
for (const s of only) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`--only: unknown section ${s} (${SECTIONS.join(', ')})`);
const threads = availableParallelism();
const seed = Number(values.seed);
const log = (line: string) => process.stdout.write(`${line}\n`);
const started = new Date();
const t0 = performance.now();

const previous: Partial<BenchResults> = (values.merge || values['render-only']) && existsSync(values.out!) ? JSON.parse(await readFile(values.out!, 'utf8')) : {};
const results: BenchResults = values['render-only'] && previous.command ? (previous as BenchResults) : {
  // Merged runs keep every command that produced a part of the results.
  command: [values.merge ? previous.command : undefined, `node dist/bench/run-benchmarks.js ${process.argv.slice(2).join(' ')}`.trim()].filter(Boolean).join(' ; then '),
  date: started.toISOString(),
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown', cores: threads, memoryGiB: totalmem() / 2 ** 30, node: process.version,
    platform: `${process.platform} ${process.arch}`, loadAverageAtStart: loadavg()[0],
  },
  engines: previous.engines ?? [],
  adapter: previous.adapter ?? null,
  serving: previous.serving ?? null,
  evaluation: previous.evaluation ?? null,
  peers: previous.peers ?? null,
  httpPeers: previous.httpPeers ?? null,
  fit: null,
  seconds: 0,
};

/** Writes latest.json now (also called mid-run, so that a run cut short keeps what it measured). */
function saveResults(): void {
  results.fit = fitVerdict(results, 7_900_000);
  results.seconds = (performance.now() - t0) / 1000;
  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, `${JSON.stringify(results, null, 2)}\n`);
}

// --render-only: rewrite BENCHMARKS.md from the saved JSON (e.g. after a run that was cut short).
if (values['render-only']) only.clear();

if (only.has('engines')) {
  const engines: EngineBenchResult[] = results.engines.filter((e) => !ints(values.sizes!).includes(e.n));
  for (const n of ints(values.sizes!)) {
    const large = n > Number(values['full-matrix-max']);
    const numQueries = Number(large ? values['large-queries'] : values.queries);
    log(`engines: n = ${n}${large ? ' (large profile)' : ''}: generating ${n + numQueries} demo cells`);
    const cells = await generateBenchCells(n + numQueries, seed);
    const dims = ints(values[large ? 'large-prefix-dims' : 'prefix-dims']!);
    const common = {
      cells, numQueries, k: 10, targetRecall: Number(values['target-recall']),
      params: { m: BUILD_DEFAULTS.connectivity, efConstruction: BUILD_DEFAULTS.expansionAdd }, threads, log,
    };
    const widest = Math.max(...dims);
    const plan = large
      ? (d: number) => ({ quantizations: ['f32'] as const, hnswlib: d === widest })
      : (d: number) => ({ quantizations: ['f32', 'f16', 'i8'] as const, hnswlib: true, innerProduct: d === widest });
    const save = (partial: EngineBenchResult) => {
      results.engines = [...engines, partial].sort((a, b) => a.n - b.n);
      saveResults();
    };
    engines.push(runEngineBench({ ...common, prefixDims: dims, plan, buildThreads: large ? threads : 1, onUpdate: save }));
  }
  results.engines = engines.sort((a, b) => a.n - b.n);
}

if (only.has('adapter')) {
  if (existsSync(values.adapter!)) {
    log(`adapter: ${values.adapter}`);
    results.adapter = { model: values.adapter!, rows: await benchAdapterThroughput(values.adapter!, 20_000, [1, 256, 1024, 4096], [1, threads]) };
  } else {
    log(`adapter: ${values.adapter} not found, skipped`);
    results.adapter = { model: values.adapter!, rows: [], skipped: 'adapter file not found' };
  }
}

if (only.has('batches')) {
  // Issue 10: big JSON and Arrow annotate requests, /healthz during them, CLI cells/s; own results file.
  const adapterPath = existsSync(values.adapter!) ? values.adapter! : 'identity';
  const batches = await runBatchBench({ referenceCells: 20_000, bigCells: 100_000, adapterPath, seed, log });
  writeFileSync(projectPath('bench', 'results', 'batches.json'), `${JSON.stringify({ command: 'npm run bench -- --only batches', date: new Date().toISOString(), ...batches }, null, 2)}\n`);
}

if (only.has('serving') || only.has('eval')) {
  const dir = await mkdtemp(join(tmpdir(), 'fa-bench-serving-'));
  try {
    const servingCells = Number(values['serving-cells']);
    const heldOutCells = Number(values['held-out']);
    const reference = join(dir, 'reference.parquet');
    const heldOut = join(dir, 'held-out.parquet');
    const adapterPath = existsSync(values.adapter!) ? values.adapter! : 'identity';
    log(`serving: writing ${servingCells} reference + ${heldOutCells} held-out demo cells (seed ${seed})`);
    await writeSplitDemoAtlas(reference, heldOut, servingCells, heldOutCells, seed);
    if (only.has('eval')) {
      log(`eval: exact table on ${heldOutCells} held-out cells, adapter ${adapterPath}`);
      const ev = await runEvaluation({ referencePath: heldOut, adapterPath, samples: heldOutCells, k: 5 });
      results.evaluation = { adapter: adapterPath, exact: ev, index: results.evaluation?.index ?? null };
    }
    if (only.has('serving')) {
      const indexDir = join(dir, 'index');
      log(`serving: building the index (${servingCells} cells, all prefixes + original, ${threads} threads)`);
      const build = await buildAtlasIndex({ referencePath: reference, adapterPath, outDir: indexDir, withOriginal: true, threads });
      log(`serving: built in ${build.seconds.toFixed(1)} s`);
      const idx = await runIndexEvaluation({ indexDir, queriesPath: heldOut, adapterPath, samples: heldOutCells, k: 5 });
      results.evaluation = { adapter: adapterPath, exact: results.evaluation?.exact ?? null, index: idx };
      const sample = await sampleAtlas(await openAtlas(heldOut), 2000, 1);
      const http = await runHttpBench({ indexDir, adapterPath, queries: sample.embeddings, dim: sample.dim, log });
      const files = [...build.manifest.prefixes.map((p) => ({ name: `prefix ${p.prefix} (${p.dims} d)`, bytes: p.bytes }))];
      if (build.manifest.original) files.push({ name: `original (${build.manifest.original.dims} d)`, bytes: build.manifest.original.bytes });
      for (const [name, f] of Object.entries(build.manifest.files)) if (f) files.push({ name, bytes: f.bytes });
      log('serving: fairness (one-cell searches during a 10,000-cell search and a 10,000-cell annotate) and verify full');
      const fairness = await runFairnessBench(indexDir, adapterPath, reference, Math.min(10_000, servingCells));
      log(`  one-cell search p99: idle ${fairness.idle.p99Ms} ms, during the big search ${fairness.bigSearch.probe.p99Ms} ms, during the big annotate ${fairness.bigAnnotate.probe.p99Ms} ms; verify full ${fairness.verifyFull.seconds} s`);
      results.serving = { cells: servingCells, adapter: adapterPath, buildSeconds: build.seconds, vectorsPerSecond: build.vectorsPerSecond, files, http, fairness };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `fn` on the peers' index and held-out cells: --peers-index/--peers-queries when given, else a demo index
 * of --serving-cells built here (in a temp folder removed afterwards).
 */
async function withPeersIndex<T>(adapterPath: string, fn: (indexDir: string, heldOut: string) => Promise<T>): Promise<T> {
  if (values['peers-index'] && values['peers-queries']) return fn(values['peers-index'], values['peers-queries']);
  const dir = await mkdtemp(join(tmpdir(), 'fa-bench-peers-'));
  try {
    const cells = Number(values['serving-cells']);
    const reference = join(dir, 'reference.parquet');
    const heldOut = join(dir, 'held-out.parquet');
    log(`peers: writing ${cells} reference + ${values['held-out']} held-out demo cells (seed ${seed}) and building the index`);
    await writeSplitDemoAtlas(reference, heldOut, cells, Number(values['held-out']), seed);
    await buildAtlasIndex({ referencePath: reference, adapterPath, outDir: join(dir, 'index'), threads });
    return await fn(join(dir, 'index'), heldOut);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (only.has('peers') || only.has('http-peers')) {
  const adapterPath = existsSync(values.adapter!) ? values.adapter! : 'identity';
  const repeats = Number(values['peers-repeats']);
  await withPeersIndex(adapterPath, async (indexDir, heldOut) => {
    if (only.has('peers')) {
      results.peers = await runPeersBench({ indexDir, heldOut, adapterPath, repeats, log });
      saveResults();
    }
    if (only.has('http-peers')) {
      const sample = await sampleAtlas(await openAtlas(heldOut), 1000, 1);
      log(`http-peers: /v1/search, 1 cell, k = 10, ${sample.n} rotating held-out cells`);
      results.httpPeers = await runHttpPeersBench({ indexDir, adapterPath, queries: sample.embeddings, dim: sample.dim, seconds: Number(values['http-seconds']), log });
      saveResults();
    }
  });
}

if (!values['render-only']) {
  saveResults();
  log(`wrote ${values.out} (${results.seconds.toFixed(0)} s)`);
}
results.fit = fitVerdict(results, 7_900_000);
const tables = renderBenchmarkTables(results);
if (existsSync(values.markdown!)) {
  const md = await readFile(values.markdown!, 'utf8');
  const begin = '<!-- bench:begin -->';
  const end = '<!-- bench:end -->';
  const i = md.indexOf(begin);
  const j = md.indexOf(end);
  if (i >= 0 && j > i) {
    await writeFile(values.markdown!, `${md.slice(0, i + begin.length)}\n${tables}\n${md.slice(j)}`);
    log(`updated ${values.markdown}`);
  }
} else {
  log(tables);
}

