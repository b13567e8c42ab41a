import { AtlasError } from '../../common/index.js';
import { DEFAULT_ROW_GROUP_SIZE, exitCleanlyOnSignals, formatSummary, ingestScimilarity } from '../../atlas/index.js';
import { DEFAULT_OBO_URL } from '../../ontology/index.js';
import { readInt, requireString, type Command } from '../command.js';
import { LABEL_OPTIONS, labelOptionsUsage, readLabelOptions } from './hierarchy.js';

/** Reads `--compression` (zstd default). */
export function readCompression(values: Record<string, unknown>): 'zstd' | 'snappy' {
  const v = values.compression ?? 'zstd';
  if (v !== 'zstd' && v !== 'snappy') throw new AtlasError('invalid_argument', `--compression must be zstd or snappy, got ${JSON.stringify(v)}`);
  return v;
}

/** `fractal-atlas ingest`: SCimilarity annotation reference (hnswlib + labels) → atlas Parquet file. */
export const ingestCommand: Command = {
  name: 'ingest',
  summary: 'SCimilarity annotation reference → 4-level atlas Parquet file',
  usage: [
    'usage: fractal-atlas ingest --scimilarity-dir DIR --out atlas.parquet [--obo PATH|URL] [options]',
    '',
    '  --scimilarity-dir DIR  SCimilarity model folder: annotation/labelled_kNN.bin, annotation/reference_labels.tsv,',
    '                         label_ints.csv (the annotation folder itself is accepted too)',
    `  --obo PATH|URL         Cell Ontology OBO file or URL (default ${DEFAULT_OBO_URL}, downloaded once)`,
    '  --cache-dir DIR        download cache (default $XDG_CACHE_HOME/fractal-atlas or ~/.cache/fractal-atlas)',
    '  --out FILE             atlas Parquet file to write (written to a temp file, renamed when complete)',
    `  --row-group-size N     rows per Parquet row group (default ${DEFAULT_ROW_GROUP_SIZE})`,
    '  --compression C        zstd (default) or snappy',
    ...labelOptionsUsage(23),
    '',
    'Streams the vectors out of the hnswlib index in reference-label order (bounded memory), attaches',
    'the 4 Cell Ontology levels to each label, and prints a summary (categories per level, cells per system).',
    'Labels may be CL names, EXACT synonyms or CL ids; unmapped labels are all listed, with suggestions, and',
    'nothing is written.',
  ].join('\n'),
  options: {
    'scimilarity-dir': { type: 'string' },
    obo: { type: 'string' },
    'cache-dir': { type: 'string' },
    out: { type: 'string' },
    'row-group-size': { type: 'string' },
    compression: { type: 'string' },
    ...LABEL_OPTIONS,
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `ingest: unexpected argument ${JSON.stringify(positionals[0])}`);
    const scimilarityDir = requireString(values, 'scimilarity-dir', 'ingest');
    const out = requireString(values, 'out', 'ingest');
    const obo = values.obo === undefined ? DEFAULT_OBO_URL : requireString(values, 'obo', 'ingest');
    const cacheDir = values['cache-dir'] === undefined ? undefined : requireString(values, 'cache-dir', 'ingest');
    const rowGroupSize = readInt(values, 'row-group-size', DEFAULT_ROW_GROUP_SIZE, 1, 1 << 24);
    const compression = readCompression(values);
    const labels = await readLabelOptions(values, 'ingest');
    exitCleanlyOnSignals();
    const result = await ingestScimilarity({ scimilarityDir, obo, cacheDir, out, rowGroupSize, compression, labels, progress: true });
    io.stdout.write(`wrote ${out} (dim ${result.dim})\n${formatSummary(result.summary, result.seconds)}`);
  },
};
