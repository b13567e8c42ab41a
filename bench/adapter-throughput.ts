/**
 * Adapter throughput: cells/s of onnxruntime-node inference (blocks + full) per batch size and intra-op thread
 * count, plus the identity adapter and the prefix cut, on demo cells. A benchmark, never a timed test.
 *
 *   node dist/bench/adapter-throughput.js [--model models/demo-adapter.onnx] [--cells 20000]
 *     [--batch-sizes 1,16,64,256,1024,4096] [--threads 1,2] [--out bench/results/adapter-throughput.json]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { cpus } from 'node:os';
import { projectPath } from '../common/index.js';
import { IDENTITY_ADAPTER, openAdapter, prefixEmbedding, type Adapter } from '../adapter/index.js';
import { generateBenchCells } from './data.js';

/** One measured configuration. */
export interface ThroughputRow {
  readonly adapter: string;
  readonly batchSize: number;
  readonly threads: number;
  readonly cells: number;
  readonly seconds: number;
  readonly cellsPerSecond: number;
}

async function timeEmbed(adapter: Adapter, x: Float32Array, n: number, minSeconds = 1): Promise<{ cells: number; seconds: number }> {
  await adapter.embed(x.subarray(0, Math.min(n, 256) * adapter.inputDim), Math.min(n, 256)); // warm-up
  let cells = 0;
  const t0 = performance.now();
  do {
    await adapter.embed(x, n);
    cells += n;
  } while ((performance.now() - t0) / 1000 < minSeconds);
  return { cells, seconds: (performance.now() - t0) / 1000 };
}

/** Measures `model` on `cells` demo cells for each batch size × thread count. */
export async function benchAdapterThroughput(model: string, cells: number, batchSizes: readonly number[], threads: readonly number[]): Promise<ThroughputRow[]> {
  const data = await generateBenchCells(cells, 11);
  const rows: ThroughputRow[] = [];
  for (const t of threads) {
    for (const b of batchSizes) {
      const a = await openAdapter(model, { batchSize: b, threads: t });
      const n = b === 1 ? Math.min(cells, 2000) : cells; // single-cell runs are slow: fewer cells
      const r = await timeEmbed(a, data.embeddings.subarray(0, n * data.dim), n);
      await a.close();
      rows.push({ adapter: 'fractal', batchSize: b, threads: t, cells: r.cells, seconds: r.seconds, cellsPerSecond: r.cells / r.seconds });
      process.stdout.write(`fractal  batch ${String(b).padStart(5)}  threads ${t}  ${Math.round(r.cells / r.seconds).toLocaleString('en').padStart(9)} cells/s\n`);
    }
  }
  const id = await openAdapter(IDENTITY_ADAPTER, { inputDim: data.dim });
  const r = await timeEmbed(id, data.embeddings, cells);
  rows.push({ adapter: 'identity', batchSize: cells, threads: 1, cells: r.cells, seconds: r.seconds, cellsPerSecond: r.cells / r.seconds });
  process.stdout.write(`identity (normalise only)         ${Math.round(r.cells / r.seconds).toLocaleString('en').padStart(9)} cells/s\n`);
  const a = await openAdapter(model, { batchSize: 1024 });
  const blocks = await a.embed(data.embeddings, cells);
  const t0 = performance.now();
  for (let j = 1; j <= a.numScales; j++) prefixEmbedding(blocks, cells, a.numScales, a.scaleDim, j);
  const s = (performance.now() - t0) / 1000;
  await a.close();
  rows.push({ adapter: `prefix cut (all ${a.numScales})`, batchSize: cells, threads: 1, cells, seconds: s, cellsPerSecond: cells / s });
  process.stdout.write(`prefix cut, all ${a.numScales} prefixes          ${Math.round(cells / s).toLocaleString('en').padStart(9)} cells/s\n`);
  return rows;
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  const { values } = parseArgs({
    options: {
      model: { type: 'string', default: projectPath('models', 'demo-adapter.onnx') },
      cells: { type: 'string', default: '20000' },
      'batch-sizes': { type: 'string', default: '1,16,64,256,1024,4096' },
      threads: { type: 'string', default: '1,2' },
      out: { type: 'string', default: projectPath('bench', 'results', 'adapter-throughput.json') },
    },
  });
  const list = (s: string) => s.split(',').map((v) => Number(v.trim()));
  const rows = await benchAdapterThroughput(values.model!, Number(values.cells), list(values['batch-sizes']!), list(values.threads!));
  await mkdir(dirname(values.out!), { recursive: true });
  const report = { date: new Date().toISOString(), model: values.model, cpu: cpus()[0]?.model, cores: cpus().length, node: process.version, rows };
  await writeFile(values.out!, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`wrote ${values.out}\n`);
}
