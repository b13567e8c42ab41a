import { AtlasError, createProgress, projectPath } from '../../common/index.js';
import { defaultDemoWorkers, formatDemoAtlasSummary, loadCellTypeTable, writeDemoAtlas } from '../../atlas/index.js';
import { readInt, requireString, type Command } from '../command.js';

const DEFAULT_TYPES = 'data/demo-cell-types.tsv';

/** `fractal-atlas demo-atlas`: a deterministic synthetic 128-d atlas over real CL cell types. */
export const demoAtlasCommand: Command = {
  name: 'demo-atlas',
  summary: 'generate the calibrated synthetic demo atlas (deterministic from a seed)',
  usage: [
    'usage: fractal-atlas demo-atlas --cells N --seed S --out FILE [--types TSV] [--row-group-size N] [--workers N]',
    '                            [--compression zstd|snappy]',
    '',
    '  --cells N            number of cells (1 … 100,000,000)',
    '  --seed S             non-negative integer seed; the same seed and table give the same file',
    '  --out FILE           atlas Parquet file to write (replaced only when generation succeeds)',
    `  --types TSV          cell-type table (default ${DEFAULT_TYPES}, from the project)`,
    '  --row-group-size N   rows per Parquet row group (default 65,536)',
    `  --workers N          generator threads beside the Parquet writer (default ${defaultDemoWorkers()} here; 0 = none);`,
    '                       the file is the same for any value',
    '  --compression C      zstd (default) or snappy (encodes about twice as fast, file about 9 % larger)',
    '  --start-cell N       generator position of the first cell (multiple of 4,096; default 0): new cells of the',
    '                       same seed, e.g. held-out cells for an adapter trained on the first ones',
    '',
    'Embeddings follow the generative model described in README "Demo atlas"; cells per system follow the',
    "seed's SCimilarity proportions. Prints rows, categories per level and cells per system at the end.",
  ].join('\n'),
  options: {
    cells: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    types: { type: 'string' },
    'row-group-size': { type: 'string' },
    workers: { type: 'string' },
    compression: { type: 'string' },
    'start-cell': { type: 'string' },
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `demo-atlas: unexpected argument ${JSON.stringify(positionals[0])}`);
    requireString(values, 'cells', 'demo-atlas');
    requireString(values, 'seed', 'demo-atlas');
    const cells = readInt(values, 'cells', 0, 1, 100_000_000);
    const seed = readInt(values, 'seed', 0, 0, Number.MAX_SAFE_INTEGER);
    const out = requireString(values, 'out', 'demo-atlas');
    const typesPath = values.types === undefined ? projectPath(DEFAULT_TYPES) : requireString(values, 'types', 'demo-atlas');
    const rowGroupSize = values['row-group-size'] === undefined ? undefined : readInt(values, 'row-group-size', 0, 1, 10_000_000);
    const workers = readInt(values, 'workers', defaultDemoWorkers(), 0, 64);
    const compression = values.compression === undefined ? undefined : requireString(values, 'compression', 'demo-atlas');
    if (compression !== undefined && compression !== 'zstd' && compression !== 'snappy') {
      throw new AtlasError('invalid_argument', `demo-atlas: --compression must be zstd or snappy, got ${JSON.stringify(compression)}`);
    }
    const startCell = readInt(values, 'start-cell', 0, 0, Number.MAX_SAFE_INTEGER);
    const types = await loadCellTypeTable(typesPath);
    const progress = createProgress('demo-atlas', cells);
    let result;
    try {
      result = await writeDemoAtlas(out, { types, cells, seed, startCell, rowGroupSize, workers, compression, onProgress: (n) => progress.increment(n) });
    } finally {
      progress.stop();
    }
    io.stdout.write(formatDemoAtlasSummary(result));
  },
};
