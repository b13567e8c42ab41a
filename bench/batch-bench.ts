/**
 * Big batches (issue 10): on a demo index, the wall time of one 10,000-cell annotate as JSON and as Arrow IPC,
 * one 100,000-cell Arrow annotate, with /healthz probed sequentially during each (p50/p99/max), and the CLI's
 * cells/s annotating a 100,000-cell .npy into Parquet. The server runs in a child process (http-bench.ts);
 * the load average is recorded next to every figure, since the machine is shared.
 *
 *   node dist/bench/batch-bench.js [--reference-cells 20000] [--big 100000] [--out bench/results/batches.json]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Field, FixedSizeList, Float32, Table, makeData, makeVector, tableFromIPC, tableToIPC } from 'apache-arrow';
import { projectPath } from '../common/index.js';
import { openAtlas } from '../atlas/index.js';
import { buildAtlasIndex } from '../index-build/index.js';
import { ARROW_STREAM_TYPE } from '../search/index.js';
import { writeSplitDemoAtlas } from './demo-files.js';
import { probe, startChild, type HealthFigures } from './http-bench.js';

/** One measured request. */
interface RequestFigure {
  readonly what: string;
  readonly cells: number;
  readonly bodyBytes: number;
  readonly seconds: number;
  readonly cellsPerSecond: number;
  readonly healthz: HealthFigures;
  readonly loadAverage: [number, number];
}

const load1 = () => Math.round(loadavg()[0]! * 100) / 100;

async function readCells(path: string, n: number): Promise<{ values: Float32Array; dim: number }> {
  const atlas = await openAtlas(path);
  const out = new Float32Array(n * atlas.dim);
  let at = 0;
  for await (const b of atlas.batches()) {
    out.set(b.embeddings.subarray(0, Math.min(b.numRows, n - at) * atlas.dim), at * atlas.dim);
    at += Math.min(b.numRows, n - at);
    if (at >= n) break;
  }
  return { values: out, dim: atlas.dim };
}

/** `n` cells cycling through `cells` (the held-out set tiled). */
function tile(cells: Float32Array, dim: number, n: number): Float32Array {
  const have = cells.length / dim;
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) out.set(cells.subarray((i % have) * dim, ((i % have) + 1) * dim), i * dim);
  return out;
}

function arrowBody(values: Float32Array, dim: number): Uint8Array {
  const n = values.length / dim;
  const child = makeData({ type: new Float32(), length: n * dim, nullCount: 0, data: values });
  const embedding = makeVector(makeData({ type: new FixedSizeList(dim, new Field('item', new Float32(), false)), length: n, nullCount: 0, child }));
  return tableToIPC(new Table({ embedding }), 'stream');
}

async function timedPost(url: string, what: string, cells: number, body: string | Uint8Array, contentType: string, accept: string): Promise<RequestFigure> {
  const before = load1();
  const t0 = performance.now();
  const run = fetch(url, { method: 'POST', headers: { 'content-type': contentType, accept }, body }).then(async (r) => {
    const bytes = new Uint8Array(await r.arrayBuffer());
    if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status} ${Buffer.from(bytes.subarray(0, 300)).toString()}`);
    return bytes;
  });
  const [bytes, healthz] = await Promise.all([run, probe(url.replace(/\/v1\/.*$/, '/healthz'), run, 20)]);
  const seconds = (performance.now() - t0) / 1000;
  if (accept === ARROW_STREAM_TYPE && tableFromIPC(bytes).numRows !== cells) throw new Error(`${what}: wrong row count`);
  return { what, cells, bodyBytes: typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength, seconds, cellsPerSecond: cells / seconds, healthz, loadAverage: [before, load1()] };
}

async function writeNpy(path: string, values: Float32Array, dim: number): Promise<void> {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${values.length / dim}, ${dim}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  head.writeUInt16LE(header.length, 8);
  await writeFile(path, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(values.buffer, values.byteOffset, values.byteLength)]));
}

/** Runs `fractal-atlas annotate` as a child process and reads its cells/s line. */
function runCli(args: string[]): Promise<{ seconds: number; cellsPerSecond: number; line: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [projectPath('bin', 'fractal-atlas.js'), 'annotate', ...args], { stdio: ['ignore', 'inherit', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('exit', (code) => {
      const m = /annotated (\d+) cells in ([\d.]+) s \((\d+) cells\/s\)/.exec(err);
      if (code !== 0 || !m) return reject(new Error(`annotate exited ${code}: ${err.trim()}`));
      resolve({ seconds: Number(m[2]), cellsPerSecond: Number(m[3]), line: m[0] });
    });
  });
}

/** Options of {@link runBatchBench}. */
export interface BatchBenchOptions {
  readonly referenceCells: number;
  readonly bigCells: number;
  readonly adapterPath: string;
  readonly seed: number;
  readonly log: (line: string) => void;
}

/** Result of {@link runBatchBench}. */
export interface BatchBenchResult {
  readonly referenceCells: number;
  readonly adapter: string;
  readonly requests: RequestFigure[];
  readonly cli: { readonly cells: number; readonly seconds: number; readonly cellsPerSecond: number; readonly loadAverage: [number, number] };
}

/** Builds the demo index and runs every measurement (see the file comment). */
export async function runBatchBench(o: BatchBenchOptions): Promise<BatchBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'fa-bench-batches-'));
  try {
    const reference = join(dir, 'reference.parquet');
    const heldOut = join(dir, 'held-out.parquet');
    o.log(`batches: ${o.referenceCells} reference + 10000 held-out demo cells (seed ${o.seed})`);
    await writeSplitDemoAtlas(reference, heldOut, o.referenceCells, 10_000, o.seed);
    const indexDir = join(dir, 'index');
    await buildAtlasIndex({ referencePath: reference, adapterPath: o.adapterPath, outDir: indexDir });
    const { values, dim } = await readCells(heldOut, 10_000);
    const big = tile(values, dim, o.bigCells);
    const requests: RequestFigure[] = [];
    const { child, url } = await startChild({ indexDir, adapterPath: o.adapterPath }, 2);
    try {
      // Encoded once up front: a string body would be UTF-8-encoded by fetch on this process's event loop, which
      // is also the one timing the /healthz probes (a client-side stall counted against the server).
      const jsonBody = Buffer.from(JSON.stringify({ embeddings: Array.from({ length: 10_000 }, (_, i) => Array.from(values.subarray(i * dim, (i + 1) * dim))), k: 50 }));
      // Warm-up: worker pools, the body worker, JIT.
      await timedPost(`${url}/v1/annotate`, 'warm-up', 1000, arrowBody(values.subarray(0, 1000 * dim), dim), ARROW_STREAM_TYPE, ARROW_STREAM_TYPE);
      for (const [what, cells, body, type, accept] of [
        ['JSON 10k annotate (JSON answer)', 10_000, jsonBody, 'application/json', 'application/json'],
        ['Arrow 10k annotate (Arrow answer)', 10_000, arrowBody(values, dim), ARROW_STREAM_TYPE, ARROW_STREAM_TYPE],
        [`Arrow ${o.bigCells / 1000}k annotate (Arrow answer)`, o.bigCells, arrowBody(big, dim), ARROW_STREAM_TYPE, ARROW_STREAM_TYPE],
      ] as const) {
        const f = await timedPost(type === ARROW_STREAM_TYPE ? `${url}/v1/annotate?k=50` : `${url}/v1/annotate`, what, cells, body, type, accept);
        o.log(`  ${what}: ${f.seconds.toFixed(2)} s (${Math.round(f.cellsPerSecond)} cells/s); /healthz p50 ${f.healthz.p50Ms.toFixed(1)} ms, p99 ${f.healthz.p99Ms.toFixed(1)} ms, max ${f.healthz.maxMs.toFixed(1)} ms (${f.healthz.probes} probes); load ${f.loadAverage.join(' → ')}`);
        requests.push(f);
      }
    } finally {
      child.send('stop');
      await new Promise((r) => child.once('exit', r));
    }
    const npy = join(dir, 'big.npy');
    await writeNpy(npy, big, dim);
    const before = load1();
    const cli = await runCli(['--index', indexDir, '--adapter', o.adapterPath, '--in', npy, '--out', join(dir, 'big.parquet'), '--k', '50']);
    const cliFigure = { cells: o.bigCells, seconds: cli.seconds, cellsPerSecond: cli.cellsPerSecond, loadAverage: [before, load1()] as [number, number] };
    o.log(`  CLI annotate ${o.bigCells} cells .npy → .parquet: ${cli.line}; load ${cliFigure.loadAverage.join(' → ')}`);
    return { referenceCells: o.referenceCells, adapter: o.adapterPath, requests, cli: cliFigure };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Run directly: node dist/bench/batch-bench.js
if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      'reference-cells': { type: 'string', default: '20000' },
      big: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '7' },
      adapter: { type: 'string', default: projectPath('models', 'demo-adapter.onnx') },
      out: { type: 'string', default: projectPath('bench', 'results', 'batches.json') },
    },
  });
  const adapterPath = existsSync(values.adapter!) ? values.adapter! : 'identity';
  const result = await runBatchBench({ referenceCells: Number(values['reference-cells']), bigCells: Number(values.big), adapterPath, seed: Number(values.seed), log: (l) => process.stdout.write(`${l}\n`) });
  await mkdir(dirname(values.out!), { recursive: true });
  await writeFile(values.out!, `${JSON.stringify({ command: `node dist/bench/batch-bench.js ${process.argv.slice(2).join(' ')}`.trim(), date: new Date().toISOString(), ...result }, null, 2)}\n`);
}
