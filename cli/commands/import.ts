import { AtlasError } from '../../common/index.js';
import { DEFAULT_ROW_GROUP_SIZE, MAX_X_WIDTH, exitCleanlyOnSignals, formatSummary, importAtlas, type LabelSpec } from '../../atlas/index.js';
import { DEFAULT_OBO_URL, readLabelMap } from '../../ontology/index.js';
import { readInt, requireString, type Command } from '../command.js';
import { readCompression } from './ingest.js';

function optionalString(values: Record<string, unknown>, name: string): string | undefined {
  return values[name] === undefined ? undefined : requireString(values, name, 'import');
}

function readLabelSpec(values: Record<string, unknown>): LabelSpec {
  const labelColumn = optionalString(values, 'label-column');
  const clIdColumn = optionalString(values, 'cl-id-column');
  if ((labelColumn === undefined) === (clIdColumn === undefined)) {
    throw new AtlasError('invalid_argument', 'import: give exactly one of --label-column COL (Cell Ontology names) and --cl-id-column COL (CL ids)');
  }
  return labelColumn !== undefined ? { labelColumn } : { clIdColumn: clIdColumn! };
}

/** `fractal-atlas import`: a labelled embedding file (.h5ad, .npy + labels, CSV/TSV) → atlas Parquet file. */
export const importCommand: Command = {
  name: 'import',
  summary: 'AnnData .h5ad, .npy + labels or CSV/TSV embeddings → 4-level atlas Parquet file',
  usage: [
    'usage: fractal-atlas import --in FILE --out atlas.parquet (--label-column COL | --cl-id-column COL) [options]',
    '',
    '  --in FILE              .h5ad (AnnData), .npy (n × D float32/float64, with --labels) or .csv/.tsv',
    '  --out FILE             atlas Parquet file to write (temp file renamed when complete; none on failure)',
    '  --obsm KEY             .h5ad: the embedding in obsm[KEY] (e.g. X_pca, X_scvi, X_scimilarity)',
    `  --X                    .h5ad: the embedding is X itself (dense or CSR, at most ${MAX_X_WIDTH} columns)`,
    '  --labels FILE          .npy: TSV/CSV with a header, one row per matrix row (labels, ids, extra columns)',
    '  --label-column COL     column of Cell Ontology names (e.g. cell_type)',
    '  --cl-id-column COL     column of CL ids instead (CL:0000860, CL_0000860 or the purl IRI), as',
    "                         CELLxGENE's cell_type_ontology_term_id",
    '  --label-map FILE       TSV: your label → CL id or CL name, for labels the ontology does not know',
    '  --id-column COL        column of cell ids (default: the obs index of an .h5ad, else row numbers)',
    '  --keep-columns A,B     extra columns carried into the atlas as string columns (e.g. donor_id,tissue)',
    `  --obo PATH|URL         Cell Ontology OBO file or URL (default ${DEFAULT_OBO_URL}, downloaded once)`,
    '  --cache-dir DIR        download cache (default $XDG_CACHE_HOME/fractal-atlas or ~/.cache/fractal-atlas)',
    `  --row-group-size N     rows per Parquet row group = rows read per block (default ${DEFAULT_ROW_GROUP_SIZE})`,
    '  --compression C        zstd (default) or snappy',
    '',
    'A CSV/TSV holds the label (and id, extra) columns plus either one "embedding" column ("[0.1, 0.2, …]"',
    'or space-separated) or one column per dimension: every other column is then a dimension.',
    '',
    'examples:',
    '  fractal-atlas import --in pbmc.h5ad --obsm X_pca --label-column cell_type \\',
    '      --keep-columns donor_id,tissue --out pbmc.parquet',
    '  fractal-atlas import --in census.h5ad --obsm X_scvi --cl-id-column cell_type_ontology_term_id --out census.parquet',
    '  fractal-atlas import --in emb.npy --labels cells.tsv --label-column cell_type --id-column barcode --out ref.parquet',
    '  fractal-atlas import --in cells.csv --label-column cell_type --out ref.parquet',
    '',
    'The matrix streams in row blocks (never loaded whole). Every problem stops the import with one line:',
    'a missing key or column, a wrong dtype, rows without a label, duplicated ids, NaN rows (count and first',
    'row), labels the ontology does not know (all listed), 0 rows. Prints a summary and rows/s at the end.',
  ].join('\n'),
  options: {
    in: { type: 'string' },
    out: { type: 'string' },
    obsm: { type: 'string' },
    X: { type: 'boolean' },
    labels: { type: 'string' },
    'label-column': { type: 'string' },
    'cl-id-column': { type: 'string' },
    'label-map': { type: 'string' },
    'id-column': { type: 'string' },
    'keep-columns': { type: 'string' },
    obo: { type: 'string' },
    'cache-dir': { type: 'string' },
    'row-group-size': { type: 'string' },
    compression: { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `import: unexpected argument ${JSON.stringify(positionals[0])}`);
    const input = requireString(values, 'in', 'import');
    const out = requireString(values, 'out', 'import');
    const obsm = optionalString(values, 'obsm');
    if (obsm !== undefined && values.X === true) throw new AtlasError('invalid_argument', 'import: give --obsm KEY or --X, not both');
    const keep = optionalString(values, 'keep-columns');
    const keepColumns = keep === undefined ? [] : keep.split(',').map((c) => c.trim()).filter((c) => c.length > 0);
    const labelMapPath = optionalString(values, 'label-map');
    const labelMap = labelMapPath === undefined ? undefined : await readLabelMap(labelMapPath);
    exitCleanlyOnSignals();
    const result = await importAtlas({
      input,
      out,
      matrix: obsm !== undefined ? { obsm } : values.X === true ? { X: true } : undefined,
      labelsFile: optionalString(values, 'labels'),
      labels: readLabelSpec(values),
      labelMap,
      idColumn: optionalString(values, 'id-column'),
      keepColumns,
      obo: optionalString(values, 'obo') ?? DEFAULT_OBO_URL,
      cacheDir: optionalString(values, 'cache-dir'),
      rowGroupSize: readInt(values, 'row-group-size', DEFAULT_ROW_GROUP_SIZE, 1, 1 << 24),
      compression: readCompression(values),
      progress: true,
    });
    const kept = result.keptColumns.length > 0 ? `, extra columns ${result.keptColumns.join(', ')}` : '';
    process.stdout.write(`wrote ${out} from ${result.matrix} (dim ${result.dim}${kept})\n${formatSummary(result.summary, result.seconds)}`);
  },
};
