import { createProgress, projectPath } from '../../common/index.js';
import { DEFAULT_ROW_GROUP_SIZE, defaultDemoWorkers, formatDemoAtlasSummary, loadCellTypeTable, writeDemoAtlas } from '../../atlas/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';
import { compressionOption } from '../shared-options.js';

const DEFAULT_TYPES = 'data/demo-cell-types.tsv';

/** `fractal-atlas demo-atlas`: a deterministic synthetic 128-d atlas over real CL cell types. */
export const demoAtlasCommand = defineCommand({
  name: 'demo-atlas',
  summary: 'generate the calibrated synthetic demo atlas (deterministic from a seed)',
  synopsis: ['--cells N --seed S --out FILE [--types TSV] [--row-group-size N] [--workers N] [--compression zstd|snappy]'],
  options: {
    cells: option.int('N', 'number of cells (1 … 100,000,000)', { min: 1, max: 100_000_000 }),
    seed: option.int('S', 'non-negative integer seed; the same seed and table give the same file', { min: 0, max: Number.MAX_SAFE_INTEGER }),
    out: option.required('FILE', 'atlas Parquet file to write (replaced only when generation succeeds)'),
    types: option.text('TSV', `cell-type table (default ${DEFAULT_TYPES}, from the project)`),
    'row-group-size': option.int('N', `rows per Parquet row group (default ${DEFAULT_ROW_GROUP_SIZE.toLocaleString('en')})`, { fallback: DEFAULT_ROW_GROUP_SIZE, min: 1, max: 10_000_000 }),
    workers: option.int('N', [`generator threads beside the Parquet writer (default ${defaultDemoWorkers()} here; 0 = none);`, 'the file is the same for any value'], { fallback: defaultDemoWorkers(), min: 0, max: 64 }),
    compression: compressionOption('zstd (default) or snappy (encodes about twice as fast, file about 9 % larger)'),
    'start-cell': option.int('N', ['generator position of the first cell (multiple of 4,096; default 0): new cells of the', 'same seed, e.g. held-out cells for an adapter trained on the first ones'], { fallback: 0, min: 0, max: Number.MAX_SAFE_INTEGER }),
  },
  notes: [
    'Embeddings follow the generative model described in README "Demo atlas"; cells per system follow the',
    "seed's SCimilarity proportions. Prints rows, categories per level and cells per system at the end.",
  ],
  async run(o, io) {
    const types = await loadCellTypeTable(o.types ?? projectPath(DEFAULT_TYPES));
    const progress = createProgress('demo-atlas', o.cells);
    let result;
    try {
      result = await writeDemoAtlas(o.out, {
        types,
        cells: o.cells,
        seed: o.seed,
        startCell: o['start-cell'],
        rowGroupSize: o['row-group-size'],
        workers: o.workers,
        compression: o.compression,
        onProgress: (n) => progress.increment(n),
      });
    } finally {
      progress.stop();
    }
    io.stdout.write(formatDemoAtlasSummary(result));
  },
});
