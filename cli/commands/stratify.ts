import { AtlasError } from '../../common/index.js';
import { DEFAULT_ROW_GROUP_SIZE, exitCleanlyOnSignals, formatSummary, stratifyAtlas } from '../../atlas/index.js';
import { readInt, requireString, type Command } from '../command.js';
import { readCompression } from './ingest.js';

/** `fractal-atlas stratify`: rewrite an atlas in round-robin order by subtype. */
export const stratifyCommand: Command = {
  name: 'stratify',
  summary: 'reorder an atlas round-robin by subtype so any prefix is balanced',
  usage: [
    'usage: fractal-atlas stratify --in ATLAS --out ATLAS [--seed S] [options]',
    '',
    '  --in FILE            atlas Parquet file to read',
    '  --out FILE           stratified atlas to write (temp file, renamed when complete)',
    '  --seed S             seed of the within-subtype and subtype-order shuffles (default 0)',
    `  --row-group-size N   rows per output row group (default ${DEFAULT_ROW_GROUP_SIZE})`,
    '  --compression C      zstd (default) or snappy',
    '  --temp-dir DIR       folder for temporary buckets (default: beside --out; needs about the output size)',
    '',
    'Each round takes the next row of every level4_subtype that still has rows, so the first N rows are',
    'balanced across subtypes and therefore across every level. Streams in bounded memory.',
  ].join('\n'),
  options: {
    in: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string' },
    'row-group-size': { type: 'string' },
    compression: { type: 'string' },
    'temp-dir': { type: 'string' },
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `stratify: unexpected argument ${JSON.stringify(positionals[0])}`);
    const input = requireString(values, 'in', 'stratify');
    const out = requireString(values, 'out', 'stratify');
    const seed = readInt(values, 'seed', 0, 0, 2 ** 32 - 1);
    const rowGroupSize = readInt(values, 'row-group-size', DEFAULT_ROW_GROUP_SIZE, 1, 1 << 24);
    const tempDir = values['temp-dir'] === undefined ? undefined : requireString(values, 'temp-dir', 'stratify');
    exitCleanlyOnSignals();
    const result = await stratifyAtlas({ input, out, seed, rowGroupSize, compression: readCompression(values), tempDir, progress: true });
    io.stdout.write(`wrote ${out}\n${formatSummary(result.summary, result.seconds)}`);
  },
};
