import { AtlasError } from '../../common/index.js';
import { exitCleanlyOnSignals } from '../../atlas/index.js';
import { COUNTS_BLOCK_ROWS, INPUT_BLOCK_ROWS, formatTruthReport, runAnnotate } from '../../batch/index.js';
import { ANNOTATE_PLANS, DEFAULT_ANNOTATE_K, DEFAULT_ANNOTATE_PLAN, annotationColumnNames } from '../../search/index.js';
import { VERIFY_MODES } from '../../index-files/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';
import { COUNTS_OPTIONS } from '../shared-options.js';

/** The request fields the command passes on as text, flag → request field (checked by the request schema). */
const REQUEST_FLAGS = [
  ['k', 'k'],
  ['weighting', 'weighting'],
  ['min-confidence', 'min_confidence'],
  ['out-of-reference-distance', 'out_of_reference_distance'],
  ['filter', 'filter'],
  ['plan', 'plan'],
] as const;

/** `fractal-atlas annotate`: a file of query cells → one row of labels per cell, no server. */
export const annotateCommand = defineCommand({
  name: 'annotate',
  summary: 'annotate a file of cells (.h5ad, atlas .parquet, .npy, CSV/TSV, or raw counts) by kNN vote → CSV/TSV/Parquet (and .h5ad obs)',
  synopsis: ['--index DIR --adapter ONNX|identity --in FILE --out FILE [options]', '--expression --encoder ONNX --index DIR --adapter ONNX|identity --in counts.h5ad|10x-DIR --out FILE [options]'],
  options: {
    index: option.required('DIR', 'index folder built by `fractal-atlas build`'),
    adapter: option.required('PATH', 'the adapter the index was built with (its sha256 is checked), or "identity"'),
    in: option.required('FILE', ['query cells: .h5ad (with --obsm KEY), atlas .parquet, .npy (n × D) or .csv/.tsv', '(a cell_id column, and one "embedding" column or one column per dimension)']),
    obsm: option.text('KEY', '.h5ad: the embedding in obsm[KEY] (e.g. X_scimilarity)'),
    expression: option.flag(["--in holds raw counts (.h5ad layers['counts'], or X with --matrix X; or a 10x folder):", 'counts → --encoder → adapter → vote (implied by --encoder)']),
    encoder: option.text('FILE', 'with --expression: the encoder the index was built with (sha256 checked)'),
    ...COUNTS_OPTIONS,
    'id-column': option.text('COL', 'column of cell ids (default: the obs index, the cell_id column, else row numbers)'),
    out: option.required('FILE', '.csv, .tsv or .parquet: one row per cell (temp file renamed when complete)'),
    'h5ad-out': option.text('FILE', 'also a copy of the --in .h5ad with the columns added to obs'),
    k: option.text('N', `neighbours per cell and level (default ${DEFAULT_ANNOTATE_K})`),
    weighting: option.text('W', 'uniform (default) or distance (votes weighted 1/distance)'),
    'min-confidence': option.text('X', 'levels with confidence under X are "unassigned" (default 0)'),
    'out-of-reference-distance': option.text('D', "override of the index's out-of-reference threshold"),
    filter: option.text('JSON', '{"include": {"system": ["Immune"]}, "exclude": {...}}, as in /v1/annotate'),
    plan: option.text('P', `search plan: ${ANNOTATE_PLANS.join(', ')} (default ${DEFAULT_ANNOTATE_PLAN}; README "Annotate plans")`),
    'truth-column': option.text('COL', ["known labels (any level of the index's vocabularies): prints accuracy and", 'macro-F1 per level at the end (voted and hierarchy-consistent)']),
    'block-rows': option.optionalInt('N', `cells read per block (default ${INPUT_BLOCK_ROWS}; counts: ${COUNTS_BLOCK_ROWS})`, { min: 1, max: 1_000_000 }),
    workers: option.int('N', 'worker threads (default 2: both cores)', { fallback: 2, min: 1, max: 64 }),
    verify: option.choice('MODE', `index checks before starting: ${VERIFY_MODES.join(', ')} (default quick)`, VERIFY_MODES, 'quick'),
  },
  notes: [
    'Columns (per served level L = system, lineage, type, subtype):',
    `  ${annotationColumnNames(['level1_system']).join(', ').replaceAll('system_', 'L_')}`,
    'Same values as POST /v1/annotate answers for the same cells and options (k, weighting, min-confidence,',
    'out-of-reference-distance and filter are checked by its request schema). Errors stop the run with one',
    'line and leave no output file.',
  ],
  async run(o, io) {
    // The request fields go to the request schema as text, exactly as an Arrow request's query string.
    const request: Record<string, string> = {};
    for (const [flag, field] of REQUEST_FLAGS) {
      const v = o[flag];
      if (v !== undefined) request[field] = v;
    }
    const expression = o.expression || o.encoder !== undefined;
    if (expression && o.encoder === undefined) throw new AtlasError('invalid_argument', 'annotate --expression needs --encoder FILE (the encoder the index was built with)');
    exitCleanlyOnSignals();
    const result = await runAnnotate({
      indexDir: o.index,
      adapterPath: o.adapter,
      input: o.in,
      out: o.out,
      h5adOut: o['h5ad-out'],
      obsm: o.obsm,
      idColumn: o['id-column'],
      truthColumn: o['truth-column'],
      request,
      workers: o.workers,
      blockRows: o['block-rows'],
      verify: o.verify,
      expression: expression ? { encoderPath: o.encoder!, matrix: o.matrix, geneColumn: o['gene-column'], minGeneOverlap: o['min-gene-overlap'] } : undefined,
      onMessage: (line) => io.stdout.write(`${line}\n`),
    });
    io.stderr.write(`annotated ${result.cells} cells in ${result.seconds.toFixed(1)} s (${Math.round(result.cellsPerSecond)} cells/s)\n`);
    if (result.truth) io.stdout.write(`${formatTruthReport(result.truth)}\n`);
  },
});
