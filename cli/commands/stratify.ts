import { DEFAULT_ROW_GROUP_SIZE, exitCleanlyOnSignals, formatSummary, stratifyAtlas } from '../../atlas/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';
import { compressionOption } from '../shared-options.js';

/** `fractal-atlas stratify`: rewrite an atlas in round-robin order by subtype. */
export const stratifyCommand = defineCommand({
  name: 'stratify',
  summary: 'reorder an atlas round-robin by subtype so any prefix is balanced',
  synopsis: ['--in ATLAS --out ATLAS [--seed S] [options]'],
  options: {
    in: option.required('FILE', 'atlas Parquet file to read'),
    out: option.required('FILE', 'stratified atlas to write (temp file, renamed when complete)'),
    seed: option.int('S', 'seed of the within-subtype and subtype-order shuffles (default 0)', { fallback: 0, min: 0, max: 2 ** 32 - 1 }),
    'row-group-size': option.int('N', `rows per output row group (default ${DEFAULT_ROW_GROUP_SIZE})`, { fallback: DEFAULT_ROW_GROUP_SIZE, min: 1, max: 1 << 24 }),
    compression: compressionOption(),
    'temp-dir': option.text('DIR', 'folder for temporary buckets (default: beside --out; needs about the output size)'),
  },
  notes: [
    'Each round takes the next row of every level4_subtype that still has rows, so the first N rows are',
    'balanced across subtypes and therefore across every level. Streams in bounded memory.',
  ],
  async run(o, io) {
    exitCleanlyOnSignals();
    const result = await stratifyAtlas({ input: o.in, out: o.out, seed: o.seed, rowGroupSize: o['row-group-size'], compression: o.compression, tempDir: o['temp-dir'], progress: true });
    io.stdout.write(`wrote ${o.out}\n${formatSummary(result.summary, result.seconds)}`);
  },
});
