import { availableParallelism } from 'node:os';
import { AtlasError } from '../../common/index.js';
import { adapterSha256, openAdapter } from '../../adapter/index.js';
import { openAtlas } from '../../atlas/index.js';
import { sampleAtlas } from '../../eval/index.js';
import { BEAM_SAMPLE, BUILD_LIMITS, calibrateIndexBeams } from '../../index-build/index.js';
import { checkAdapterHash, describeBeams, type IndexManifest } from '../../index-files/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';

/** Adapter outputs of up to BEAM_SAMPLE cells of `queriesPath`, through the index's own adapter (checked by sha256). */
async function embedHeldOut(indexDir: string, m: IndexManifest, queriesPath: string, adapterPath: string, threads: number): Promise<{ vectors: Float32Array; n: number }> {
  checkAdapterHash(indexDir, m, await adapterSha256(adapterPath), adapterPath);
  const atlas = await openAtlas(queriesPath);
  if (atlas.numRows === 0) throw new AtlasError('invalid_atlas', `${queriesPath} has no rows`);
  const sample = await sampleAtlas(atlas, BEAM_SAMPLE, 1);
  if (sample.dim !== m.inputDim) throw new AtlasError('wrong_dimension', `${queriesPath} has ${sample.dim}-d embeddings, the index takes ${m.inputDim}-d`);
  const adapter = await openAdapter(adapterPath, { inputDim: m.inputDim, threads });
  try {
    return { vectors: await adapter.embed(sample.embeddings, sample.n), n: sample.n };
  } finally {
    await adapter.close();
  }
}

/** `fractal-atlas calibrate`: (re)calibrate the search beams of a built index without rebuilding it. */
export const calibrateCommand = defineCommand({
  name: 'calibrate',
  summary: 'choose the search beams of a built index per prefix and k for a recall target',
  synopsis: ['--index DIR --recall-target R [--queries held-out.parquet --adapter FILE] [--threads N]'],
  options: {
    index: option.required('DIR', 'index folder written by `fractal-atlas build`'),
    'recall-target': option.number('R', `recall@k the beams are chosen for, ${BUILD_LIMITS.recallTarget.min}..${BUILD_LIMITS.recallTarget.max}`, BUILD_LIMITS.recallTarget),
    queries: option.text('FILE', ['atlas Parquet file of cells the index does not hold (e.g. a held-out split): up to 500 of them are', 'searched; without it, reference cells reflected through their nearest neighbour (harder at scale)']),
    adapter: option.text('FILE', 'the adapter the index was built with (checked by sha256); needed with --queries'),
    threads: option.int('N', 'threads of the exact and HNSW searches (default: all cores)', { fallback: availableParallelism(), ...BUILD_LIMITS.threads }),
  },
  notes: ['Updates manifest.json; a running server takes the beams at its next start. Searches that name "ef" are unaffected.'],
  async run(o, io) {
    if (o.queries !== undefined && o.adapter === undefined) throw new AtlasError('invalid_argument', 'calibrate: --queries needs --adapter (the adapter the index was built with)');
    const t0 = performance.now();
    const queries = o.queries;
    const heldOutOf = queries !== undefined ? (m: IndexManifest) => embedHeldOut(o.index, m, queries, o.adapter!, o.threads) : undefined;
    const m = await calibrateIndexBeams(o.index, o['recall-target'], o.threads, heldOutOf);
    io.stdout.write(`calibrated ${o.index} in ${((performance.now() - t0) / 1000).toFixed(1)} s on ${m.beams!.sample} cells: ${describeBeams(m)}\n`);
  },
});
