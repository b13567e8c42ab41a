import { availableParallelism } from 'node:os';
import { BUILD_DEFAULTS, BUILD_LIMITS, buildAtlasIndex } from '../../index-build/index.js';
import { QUANTIZATIONS, describeBeams } from '../../index-files/index.js';
import { defineCommand } from '../command.js';
import { describeReference } from './build-checks.js';
import { option } from '../options.js';
import { MAP_OPTIONS, readMapOptions } from '../shared-options.js';

/** `fractal-atlas build`: atlas + adapter → index folder (one usearch index per prefix). */
export const buildCommand = defineCommand({
  name: 'build',
  summary: 'atlas + adapter → search indexes (one usearch index per prefix)',
  synopsis: ['--reference atlas.parquet --adapter adapter.onnx|identity --out DIR [options]'],
  options: {
    reference: option.required('FILE', 'atlas Parquet file (streamed by row group)'),
    adapter: option.required('FILE', 'fractal adapter ONNX file, or "identity" to index the original embeddings'),
    out: option.required('DIR', 'index folder to create (built in a temp folder beside it, renamed when complete)'),
    quantization: option.choice('Q', `${QUANTIZATIONS.join(', ')}: scalar type of the stored vectors (default ${BUILD_DEFAULTS.quantization})`, QUANTIZATIONS, BUILD_DEFAULTS.quantization),
    connectivity: option.int('M', `HNSW graph degree (default ${BUILD_DEFAULTS.connectivity})`, { fallback: BUILD_DEFAULTS.connectivity, ...BUILD_LIMITS.connectivity }),
    'expansion-add': option.int('E', `HNSW construction beam (default ${BUILD_DEFAULTS.expansionAdd})`, { fallback: BUILD_DEFAULTS.expansionAdd, ...BUILD_LIMITS.expansionAdd }),
    'expansion-search': option.int('E', `HNSW search beam of every search without "ef" (default ${BUILD_DEFAULTS.expansionSearch}), or of those --recall-target does not cover`, { fallback: BUILD_DEFAULTS.expansionSearch, ...BUILD_LIMITS.expansionSearch }),
    'recall-target': option.optionalNumber('R', [
      'calibrate a search beam per prefix and k for this recall@k on reflected reference cells instead (off by',
      'default; `fractal-atlas calibrate` does it later, also on held-out cells)',
    ], BUILD_LIMITS.recallTarget),
    'with-original': option.flag('also index the original embeddings (search them with "original": true)'),
    encoder: option.text('FILE', 'expression encoder ONNX (export-encoder) the atlas embeddings came from: recorded in the manifest (sha256, gene order) so that serve --encoder can take counts'),
    threads: option.int('N', 'threads for usearch adds and the adapter (default: all cores)', { fallback: availableParallelism(), ...BUILD_LIMITS.threads }),
    overwrite: option.flag('replace an existing index folder'),
    'labels-as-is': option.flag('index the labels of an atlas without cl_id (never resolved against the Cell Ontology) without the warning'),
    ...MAP_OPTIONS,
    'no-map': option.flag('skip the reference map (GET /v1/map then answers 404 map_not_built)'),
  },
  notes: [
    'Writes manifest.json, labels.bin, cell-id files, vectors.f32, prefix-<j>.usearch for j = 1..S and map.bin.',
    'Ctrl-C (or a crash) leaves no index folder behind; only a complete build is renamed into place.',
    'Embeddings stored as float64 are converted to float32 (said in one line); float16 is refused.',
  ],
  async run(o, io) {
    const map = readMapOptions(o); // argument errors first, before the atlas is opened
    for (const line of await describeReference(o.reference, o['labels-as-is'])) io.stderr.write(`${line}\n`);
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const r = await buildAtlasIndex({
        referencePath: o.reference,
        adapterPath: o.adapter,
        outDir: o.out,
        quantization: o.quantization,
        connectivity: o.connectivity,
        expansionAdd: o['expansion-add'],
        expansionSearch: o['expansion-search'],
        recallTarget: o['recall-target'],
        withOriginal: o['with-original'],
        encoderPath: o.encoder,
        threads: o.threads,
        overwrite: o.overwrite,
        signal: controller.signal,
        map,
      });
      const m = r.manifest;
      io.stdout.write(
        `built ${r.outDir}: ${m.numCells} cells, ${m.numScales} prefix indexes (dims ${m.prefixes.map((p) => p.dims).join(', ')})` +
          `${m.original ? ` + original (${m.original.dims})` : ''}, ${m.quantization}, M=${m.connectivity}, ` +
          `${m.encoder ? `encoder ${m.encoder.file} (${m.encoder.numGenes} genes → ${m.encoder.latentDim}), ` : ''}` +
          `in ${r.seconds.toFixed(1)} s (${Math.round(r.vectorsPerSecond)} vectors/s); out-of-reference distance ${m.outOfReferenceDistance}` +
          `; ${describeBeams(m)}` +
          `${m.map ? `; map of ${m.map.points} cells` : '; no map'}\n` +
          `phases (s): ${Object.entries(r.phases).map(([k, v]) => `${k} ${v}`).join(', ')}\n`,
      );
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
});
