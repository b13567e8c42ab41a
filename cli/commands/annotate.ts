import { AtlasError } from '../../common/index.js';
import { exitCleanlyOnSignals } from '../../atlas/index.js';
import { INPUT_BLOCK_ROWS, formatTruthReport, runAnnotate } from '../../batch/index.js';
import { DEFAULT_ANNOTATE_K, annotationColumnNames } from '../../search/index.js';
import { VERIFY_MODES, type VerifyMode } from '../../index-files/index.js';
import { readInt, requireString, type Command } from '../command.js';

function optional(values: Record<string, unknown>, name: string): string | undefined {
  return values[name] === undefined ? undefined : requireString(values, name, 'annotate');
}

/** `fractal-atlas annotate`: a file of query cells → one row of labels per cell, no server. */
export const annotateCommand: Command = {
  name: 'annotate',
  summary: 'annotate a file of cells (.h5ad, atlas .parquet, .npy, CSV/TSV) by kNN vote → CSV/TSV/Parquet (and .h5ad obs)',
  usage: [
    'usage: fractal-atlas annotate --index DIR --adapter ONNX|identity --in FILE --out FILE [options]',
    '',
    '  --index DIR            index folder built by `fractal-atlas build`',
    '  --adapter PATH         the adapter the index was built with (its sha256 is checked), or "identity"',
    '  --in FILE              query cells: .h5ad (with --obsm KEY), atlas .parquet, .npy (n × D) or .csv/.tsv',
    '                         (a cell_id column, and one "embedding" column or one column per dimension)',
    '  --obsm KEY             .h5ad: the embedding in obsm[KEY] (e.g. X_scimilarity)',
    '  --id-column COL        column of cell ids (default: the obs index, the cell_id column, else row numbers)',
    '  --out FILE             .csv, .tsv or .parquet: one row per cell (temp file renamed when complete)',
    '  --h5ad-out FILE        also a copy of the --in .h5ad with the columns added to obs',
    `  --k N                  neighbours per cell and level (default ${DEFAULT_ANNOTATE_K})`,
    '  --weighting W          uniform (default) or distance (votes weighted 1/distance)',
    '  --min-confidence X     levels with confidence under X are "unassigned" (default 0)',
    '  --out-of-reference-distance D  override of the index\'s out-of-reference threshold',
    '  --filter JSON          {"include": {"system": ["Immune"]}, "exclude": {...}}, as in /v1/annotate',
    '  --truth-column COL     known labels (any level of the index\'s vocabularies): prints accuracy and',
    '                         macro-F1 per level at the end (voted and hierarchy-consistent)',
    `  --block-rows N         cells read per block (default ${INPUT_BLOCK_ROWS})`,
    '  --workers N            worker threads (default 2: both cores)',
    `  --verify MODE          index checks before starting: ${VERIFY_MODES.join(', ')} (default quick)`,
    '',
    'Columns (per served level L = system, lineage, type, subtype):',
    `  ${annotationColumnNames(['level1_system']).join(', ').replaceAll('system_', 'L_')}`,
    'Same values as POST /v1/annotate answers for the same cells and options. Errors stop the run with one',
    'line and leave no output file.',
  ].join('\n'),
  options: {
    index: { type: 'string' },
    adapter: { type: 'string' },
    in: { type: 'string' },
    out: { type: 'string' },
    'h5ad-out': { type: 'string' },
    obsm: { type: 'string' },
    'id-column': { type: 'string' },
    k: { type: 'string' },
    weighting: { type: 'string' },
    'min-confidence': { type: 'string' },
    'out-of-reference-distance': { type: 'string' },
    filter: { type: 'string' },
    'truth-column': { type: 'string' },
    'block-rows': { type: 'string' },
    workers: { type: 'string' },
    verify: { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `annotate: unexpected argument "${positionals[0]}"`);
    const verify = optional(values, 'verify') ?? 'quick';
    if (!VERIFY_MODES.includes(verify as VerifyMode)) throw new AtlasError('invalid_argument', `annotate: --verify must be one of ${VERIFY_MODES.join(', ')}, got ${JSON.stringify(verify)}`);
    // The request fields go to the request schema as strings, exactly as an Arrow request's query string.
    const request: Record<string, string> = {};
    for (const [flag, field] of [['k', 'k'], ['weighting', 'weighting'], ['min-confidence', 'min_confidence'], ['out-of-reference-distance', 'out_of_reference_distance'], ['filter', 'filter']] as const) {
      const v = optional(values, flag);
      if (v !== undefined) request[field] = v;
    }
    exitCleanlyOnSignals();
    const result = await runAnnotate({
      indexDir: requireString(values, 'index', 'annotate'),
      adapterPath: requireString(values, 'adapter', 'annotate'),
      input: requireString(values, 'in', 'annotate'),
      out: requireString(values, 'out', 'annotate'),
      h5adOut: optional(values, 'h5ad-out'),
      obsm: optional(values, 'obsm'),
      idColumn: optional(values, 'id-column'),
      truthColumn: optional(values, 'truth-column'),
      request,
      workers: readInt(values, 'workers', 2, 1, 64),
      blockRows: readInt(values, 'block-rows', INPUT_BLOCK_ROWS, 1, 1_000_000),
      verify: verify as VerifyMode,
    });
    process.stderr.write(`annotated ${result.cells} cells in ${result.seconds.toFixed(1)} s (${Math.round(result.cellsPerSecond)} cells/s)\n`);
    if (result.truth) process.stdout.write(`${formatTruthReport(result.truth)}\n`);
  },
};
