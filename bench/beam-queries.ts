/**
 * Which queries should calibrate the search beams (issue 12)? recall@10 per beam at the shortest and longest
 * prefix of a built index for three kinds of query: reference cells themselves (their own row dropped),
 * the build's reflected cells (index-build/calibrate-beams.ts) and held-out cells the index never saw.
 *
 *   node dist/bench/beam-queries.js --index DIR --queries DIR(from annotate-plans --export) [--efs 10,16,24,32,48,64]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { l2NormalizeRows } from '../adapter/index.js';
import { INDEX_FILES, VectorFile, VectorIndex, emptyNeighbours, readManifest, type Neighbours } from '../index-files/index.js';
import { BEAM_SAMPLE, readSample, recallAt, reflectedQueries, scanExactNeighbours } from '../index-build/calibrate-beams.js';
import { sampleRows } from '../index-build/calibrate.js';

const K = 10;

/** `nb` without each query's own row `self[q]`, cut to k per query. */
function dropSelf(nb: Neighbours, self: Int32Array, k: number): Neighbours {
  const out = emptyNeighbours(nb.n, k);
  for (let q = 0; q < nb.n; q++) {
    let t = 0;
    for (let i = 0; i < nb.k && t < k; i++) if (nb.rows[q * nb.k + i] !== self[q]) out.rows[q * k + t++] = nb.rows[q * nb.k + i]!;
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { index: { type: 'string' }, queries: { type: 'string' }, efs: { type: 'string', default: '10,16,24,32,48,64' } } });
  if (!values.index || !values.queries) throw new Error('usage: beam-queries.js --index DIR --queries DIR');
  const m = await readManifest(values.index);
  const width = m.numScales * m.scaleDim;
  const meta = JSON.parse(readFileSync(join(values.queries, 'meta.json'), 'utf8')) as { n: number; width: number };
  const raw = readFileSync(join(values.queries, 'queries.f32'));
  // The first 1,000 held-out cells: the exact scan of 1M cells costs about 30 s per 1,000 queries at 128 d.
  const nHeld = Math.min(meta.n, 1000);
  const heldRaw = new Float32Array(raw.buffer, raw.byteOffset, nHeld * meta.width).slice();
  const file = new VectorFile(join(values.index, INDEX_FILES.vectors), width, m.numCells);
  const threads = availableParallelism();
  const self = sampleRows(m.numCells, BEAM_SAMPLE);
  console.log(`${m.numCells} cells, ${self.length} sampled reference cells, ${nHeld} held-out cells, recall@${K}, load ${loadavg()[0]!.toFixed(2)}`);
  for (const entry of [m.prefixes[0]!, m.prefixes[m.prefixes.length - 1]!]) {
    const dims = entry.dims;
    const exact = (queries: Float32Array, k: number) => scanExactNeighbours(file, queries, queries.length / dims, dims, k, threads);
    const cells = readSample(file, self, dims);
    const reflected = await reflectedQueries(file, self, dims, threads);
    const held = l2NormalizeRows(heldRaw, nHeld, meta.width, dims);
    const kinds = {
      self: { queries: cells, truth: dropSelf(await exact(cells, K + 1), self, K), own: true },
      reflected: { queries: reflected, truth: await exact(reflected, K), own: false },
      'held-out': { queries: held, truth: await exact(held, K), own: false },
    };
    for (const ef of values.efs!.split(',').map(Number)) {
      const index = VectorIndex.view(join(values.index, entry.file), { dims, quantization: m.quantization, connectivity: m.connectivity, expansionAdd: m.expansionAdd, expansionSearch: ef }, m.numCells);
      const cols = Object.entries(kinds).map(([name, kind]) => {
        const found = kind.own ? dropSelf(index.search(kind.queries, K + 1, threads), self, K) : index.search(kind.queries, K, threads);
        return `${name} ${recallAt(found, kind.truth, K).toFixed(3)}`;
      });
      console.log(`  ${dims}-d ef ${ef}: ${cols.join(', ')}`);
    }
  }
  file.close();
}

await main();
