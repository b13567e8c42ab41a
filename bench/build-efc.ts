/**
 * ef_construction against recall (issue 12): rebuilds one prefix of a built index from its stored vectors with
 * each expansion_add, on all cores, and measures build time and recall@10 against the exact neighbours at a
 * few search beams. One build per value (a build is the expensive part; state the load next to it).
 *
 *   node dist/bench/build-efc.js --index DIR --queries DIR(from annotate-plans --export) [--dims 128] [--efcs 64,128]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { l2NormalizeRows } from '../adapter/index.js';
import { INDEX_FILES, VectorFile, VectorIndex, exactNeighbours, readManifest } from '../index-files/index.js';

const { values } = parseArgs({ options: { index: { type: 'string' }, queries: { type: 'string' }, dims: { type: 'string', default: '128' }, efcs: { type: 'string', default: '64,128' }, efs: { type: 'string', default: '24,64' } } });
const dir = values.index!;
const m = await readManifest(dir);
const dims = Number(values.dims);
const width = m.numScales * m.scaleDim;
const file = new VectorFile(join(dir, INDEX_FILES.vectors), width, m.numCells);
const data = l2NormalizeRows(file.readRows(Int32Array.from({ length: m.numCells }, (_, i) => i)), m.numCells, width, dims);
file.close();
const meta = JSON.parse(readFileSync(join(values.queries!, 'meta.json'), 'utf8')) as { n: number; width: number };
const raw = readFileSync(join(values.queries!, 'queries.f32'));
const nq = Math.min(1000, meta.n);
const q = l2NormalizeRows(new Float32Array(raw.buffer, raw.byteOffset, meta.n * meta.width).slice(0, nq * width), nq, width, dims);
const threads = availableParallelism();
const exact = exactNeighbours(data, q, dims, 10, threads).rows;
for (const efc of values.efcs!.split(',').map(Number)) {
  const recalls: string[] = [];
  const t0 = performance.now();
  const built = VectorIndex.create({ dims, quantization: m.quantization, connectivity: m.connectivity, expansionAdd: efc, expansionSearch: 64 });
  built.add(0, data, threads);
  const seconds = (performance.now() - t0) / 1000;
  const tmp = join(dir, `efc-${efc}.tmp.usearch`);
  built.save(tmp);
  for (const ef of values.efs!.split(',').map(Number)) {
    const view = VectorIndex.view(tmp, { dims, quantization: m.quantization, connectivity: m.connectivity, expansionAdd: efc, expansionSearch: ef }, m.numCells);
    const found = view.search(q, 10, threads).rows;
    let hit = 0;
    for (let i = 0; i < nq; i++) {
      const truth = new Set(exact.subarray(i * 10, (i + 1) * 10));
      for (let j = 0; j < 10; j++) if (truth.has(found[i * 10 + j]!)) hit++;
    }
    recalls.push(`ef ${ef}: ${(hit / (nq * 10)).toFixed(4)}`);
  }
  (await import('node:fs')).rmSync(tmp, { force: true });
  process.stdout.write(`${JSON.stringify({ dims, efc, cells: m.numCells, threads, buildSeconds: seconds, recall: recalls, load: loadavg()[0] })}\n`);
}
