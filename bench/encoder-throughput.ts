/**
 * Expression-encoder throughput: cells/s of SCimilarity's encoder in onnxruntime-node, random weights of
 * the real sizes (28,231 genes → 1024 → 1024 → 128), counts → densify → in-graph lognorm → embedding. The
 * folder is written and converted with the project's own export-encoder (parity-checked at that size). A
 * benchmark, never a timed test.
 *
 *   node dist/bench/encoder-throughput.js [--genes 28231] [--hidden 1024,1024] [--batch 256] [--threads 1,2]
 *     [--cells 2048] [--nonzero 2000] [--out bench/results/encoder-throughput.json]
 */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { projectPath } from '../common/index.js';
import { AlignedCountsBuilder, createGeneIndex, exportEncoder, loadEncoder, matchGenes, pythonPath, type AlignedCounts } from '../adapter/index.js';
import { createRng } from '../common/index.js';

/** Seeded sparse counts: `nonzero` expressed genes per cell with geometric-ish counts. */
function syntheticCounts(genes: readonly string[], cells: number, nonzero: number, seed: number): AlignedCounts {
  const r = createRng(seed);
  const identity = matchGenes(createGeneIndex(genes), genes, 'invalid_input');
  const b = new AlignedCountsBuilder(identity, 'invalid_input');
  for (let i = 0; i < cells; i++) {
    const idx: number[] = [];
    const val: number[] = [];
    for (let k = 0; k < nonzero; k++) {
      idx.push(Math.floor(r.uniform() * genes.length));
      val.push(1 + Math.floor(-Math.log(1 - r.uniform()) * 3));
    }
    b.addSparse(idx, val, `cell ${i}`);
  }
  return b.finish();
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      genes: { type: 'string', default: '28231' },
      hidden: { type: 'string', default: '1024,1024' },
      batch: { type: 'string', default: '256' },
      threads: { type: 'string', default: '1,2' },
      cells: { type: 'string', default: '2048' },
      nonzero: { type: 'string', default: '2000' },
      out: { type: 'string', default: projectPath('bench', 'results', 'encoder-throughput.json') },
    },
  });
  const G = Number(values.genes);
  const dir = await mkdtemp(join(tmpdir(), 'fa-encoder-bench-'));
  try {
    const modelDir = join(dir, 'model');
    const t0 = performance.now();
    const made = spawnSync(pythonPath(), ['-W', 'ignore', projectPath('test', 'adapter', 'fixtures', 'make_scimilarity_folder.py'), modelDir, '--genes', String(G), '--hidden', values.hidden!, '--latent', '128'], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`make_scimilarity_folder.py failed: ${made.stderr}`);
    const encoderPath = join(dir, 'encoder.onnx');
    const exported = await exportEncoder({ scimilarityDir: modelDir, out: encoderPath, onLine: (l) => process.stdout.write(`  ${l}\n`) });
    process.stdout.write(`export + parity: ${((performance.now() - t0) / 1000).toFixed(1)} s, parity max |Δ| ${exported.parity.maxAbsDiff.toExponential(2)} over ${exported.parity.cells} cells\n`);
    const counts = syntheticCounts(exported.metadata.genes, Number(values.cells), Number(values.nonzero), 5);
    const rows = [];
    for (const threads of values.threads!.split(',').map(Number)) {
      const encoder = await loadEncoder(encoderPath, { batchSize: Number(values.batch), intraOpThreads: threads });
      const warm = { ...counts, n: Number(values.batch), indptr: counts.indptr.subarray(0, Number(values.batch) + 1) };
      await encoder.encode({ ...warm, indices: counts.indices.subarray(0, warm.indptr[warm.n]), values: counts.values.subarray(0, warm.indptr[warm.n]) });
      const load = loadavg()[0];
      const s = performance.now();
      await encoder.encode(counts);
      const seconds = (performance.now() - s) / 1000;
      await encoder.close();
      const row = { genes: G, hidden: values.hidden, batch: Number(values.batch), threads, cells: counts.n, seconds, cellsPerSecond: counts.n / seconds, loadAverage1m: load };
      rows.push(row);
      process.stdout.write(`encoder ${G} → 128, batch ${row.batch}, threads ${threads}: ${Math.round(row.cellsPerSecond).toLocaleString('en')} cells/s (${counts.n} cells in ${seconds.toFixed(2)} s; load average ${load.toFixed(1)} on ${cpus().length} cores)\n`);
    }
    await mkdir(dirname(values.out!), { recursive: true });
    await writeFile(values.out!, JSON.stringify({ measuredAt: new Date().toISOString(), cpus: cpus().length, cpuModel: cpus()[0]?.model, parity: exported.parity, rows }, null, 1));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
