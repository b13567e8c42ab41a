import { availableParallelism } from 'node:os';
import { AtlasError } from '../../common/index.js';
import { BUILD_DEFAULTS, buildAtlasIndex } from '../../index-build/index.js';
import { type Quantization } from '../../index-files/index.js';
import { readInt, requireString, type Command } from '../command.js';
import { describeReference } from './build-checks.js';

/** `fractal-atlas build`: atlas + adapter → index folder (one usearch index per prefix). */
export const buildCommand: Command = {
  name: 'build',
  summary: 'atlas + adapter → search indexes (one usearch index per prefix)',
  usage: [
    'usage: fractal-atlas build --reference atlas.parquet --adapter adapter.onnx|identity --out DIR [options]',
    '',
    '  --reference FILE       atlas Parquet file (streamed by row group)',
    '  --adapter FILE         fractal adapter ONNX file, or "identity" to index the original embeddings',
    '  --out DIR              index folder to create (built in a temp folder beside it, renamed when complete)',
    `  --quantization Q       f32 (default), f16 or i8: scalar type of the stored vectors`,
    `  --connectivity M       HNSW graph degree (default ${BUILD_DEFAULTS.connectivity})`,
    `  --expansion-add E      HNSW construction beam (default ${BUILD_DEFAULTS.expansionAdd})`,
    `  --expansion-search E   HNSW search beam recorded for serving (default ${BUILD_DEFAULTS.expansionSearch})`,
    '  --with-original        also index the original embeddings (search them with "original": true)',
    '  --encoder FILE         expression encoder ONNX (export-encoder) the atlas embeddings came from: recorded',
    '                         in the manifest (sha256, gene order) so that serve --encoder can take counts',
    '  --threads N            threads for usearch adds and the adapter (default: all cores)',
    '  --overwrite            replace an existing index folder',
    '  --labels-as-is         index labels of an atlas without cl_id (not resolved against the Cell Ontology)',
    '                         without the warning',
    '',
    'Writes manifest.json, labels.bin, cell-id files, vectors.f32 and prefix-<j>.usearch for j = 1..S.',
    'Ctrl-C (or a crash) leaves no index folder behind; only a complete build is renamed into place.',
    'Embeddings stored as float64 are converted to float32 (said in one line); float16 is refused.',
  ].join('\n'),
  options: {
    reference: { type: 'string' },
    adapter: { type: 'string' },
    out: { type: 'string' },
    quantization: { type: 'string' },
    connectivity: { type: 'string' },
    'expansion-add': { type: 'string' },
    'expansion-search': { type: 'string' },
    'with-original': { type: 'boolean' },
    encoder: { type: 'string' },
    threads: { type: 'string' },
    overwrite: { type: 'boolean' },
    'labels-as-is': { type: 'boolean' },
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `build: unexpected argument ${JSON.stringify(positionals[0])}`);
    const referencePath = requireString(values, 'reference', 'build');
    const adapterPath = requireString(values, 'adapter', 'build');
    const outDir = requireString(values, 'out', 'build');
    const quantization = (values.quantization ?? 'f32') as Quantization;
    if (!['f32', 'f16', 'i8'].includes(quantization)) throw new AtlasError('invalid_argument', `--quantization must be f32, f16 or i8, got ${JSON.stringify(values.quantization)}`);
    for (const line of await describeReference(referencePath, values['labels-as-is'] === true)) process.stderr.write(`${line}\n`);
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const r = await buildAtlasIndex({
        referencePath,
        adapterPath,
        outDir,
        quantization,
        connectivity: readInt(values, 'connectivity', BUILD_DEFAULTS.connectivity, 2, 256),
        expansionAdd: readInt(values, 'expansion-add', BUILD_DEFAULTS.expansionAdd, 1, 4096),
        expansionSearch: readInt(values, 'expansion-search', BUILD_DEFAULTS.expansionSearch, 1, 4096),
        withOriginal: values['with-original'] === true,
        encoderPath: values.encoder === undefined ? undefined : requireString(values, 'encoder', 'build'),
        threads: readInt(values, 'threads', availableParallelism(), 1, 1024),
        overwrite: values.overwrite === true,
        signal: controller.signal,
      });
      const m = r.manifest;
      io.stdout.write(
        `built ${r.outDir}: ${m.numCells} cells, ${m.numScales} prefix indexes (dims ${m.prefixes.map((p) => p.dims).join(', ')})` +
          `${m.original ? ` + original (${m.original.dims})` : ''}, ${m.quantization}, M=${m.connectivity}, ` +
          `${m.encoder ? `encoder ${m.encoder.file} (${m.encoder.numGenes} genes → ${m.encoder.latentDim}), ` : ''}` +
          `in ${r.seconds.toFixed(1)} s (${Math.round(r.vectorsPerSecond)} vectors/s); out-of-reference distance ${m.outOfReferenceDistance}\n` +
          `phases (s): ${Object.entries(r.phases).map(([k, v]) => `${k} ${v}`).join(', ')}\n`,
      );
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
