import { AtlasError } from '../../common/index.js';
import { DEFAULT_ROW_GROUP_SIZE, MAX_X_WIDTH, exitCleanlyOnSignals, formatSummary, importAtlas, type LabelSpec } from '../../atlas/index.js';
import { DEFAULT_OBO_URL } from '../../ontology/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';
import { LABEL_OPTIONS, ONTOLOGY_OPTIONS, compressionOption, readLabelOptions } from '../shared-options.js';

function readLabelSpec(o: { readonly 'label-column'?: string; readonly 'cl-id-column'?: string }): LabelSpec {
  const labelColumn = o['label-column'];
  const clIdColumn = o['cl-id-column'];
  if ((labelColumn === undefined) === (clIdColumn === undefined)) {
    throw new AtlasError('invalid_argument', 'import: give exactly one of --label-column COL (Cell Ontology names) and --cl-id-column COL (CL ids)');
  }
  return labelColumn !== undefined ? { labelColumn } : { clIdColumn: clIdColumn! };
}

/** `fractal-atlas import`: a labelled embedding file (.h5ad, .npy + labels, CSV/TSV) → atlas Parquet file. */
export const importCommand = defineCommand({
  name: 'import',
  summary: 'AnnData .h5ad, .npy + labels or CSV/TSV embeddings → 4-level atlas Parquet file',
  synopsis: ['--in FILE --out atlas.parquet (--label-column COL | --cl-id-column COL) [options]'],
  options: {
    in: option.required('FILE', '.h5ad (AnnData), .npy (n × D float32/float64, with --labels) or .csv/.tsv'),
    out: option.required('FILE', 'atlas Parquet file to write (temp file renamed when complete; none on failure)'),
    obsm: option.text('KEY', '.h5ad: the embedding in obsm[KEY] (e.g. X_pca, X_scvi, X_scimilarity)'),
    X: option.flag(`.h5ad: the embedding is X itself (dense or CSR, at most ${MAX_X_WIDTH} columns)`),
    labels: option.text('FILE', '.npy: TSV/CSV with a header, one row per matrix row (labels, ids, extra columns)'),
    'label-column': option.text('COL', 'column of Cell Ontology names (e.g. cell_type)'),
    'cl-id-column': option.text('COL', ["column of CL ids instead (CL:0000860, CL_0000860 or the purl IRI), as CELLxGENE's", 'cell_type_ontology_term_id']),
    'id-column': option.text('COL', 'column of cell ids (default: the obs index of an .h5ad, else row numbers)'),
    'keep-columns': option.text('A,B', 'extra columns carried into the atlas as string columns (e.g. donor_id,tissue)'),
    ...LABEL_OPTIONS,
    ...ONTOLOGY_OPTIONS,
    'row-group-size': option.int('N', `rows per Parquet row group = rows read per block (default ${DEFAULT_ROW_GROUP_SIZE})`, { fallback: DEFAULT_ROW_GROUP_SIZE, min: 1, max: 1 << 24 }),
    compression: compressionOption(),
  },
  notes: [
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
  ],
  async run(o, io) {
    if (o.obsm !== undefined && o.X) throw new AtlasError('invalid_argument', 'import: give --obsm KEY or --X, not both');
    const labels = readLabelSpec(o);
    const keepColumns = (o['keep-columns'] ?? '').split(',').map((c) => c.trim()).filter((c) => c.length > 0);
    const labelOptions = await readLabelOptions(o);
    exitCleanlyOnSignals();
    const result = await importAtlas({
      input: o.in,
      out: o.out,
      matrix: o.obsm !== undefined ? { obsm: o.obsm } : o.X ? { X: true } : undefined,
      labelsFile: o.labels,
      labels,
      idColumn: o['id-column'],
      keepColumns,
      labelOptions,
      obo: o.obo ?? DEFAULT_OBO_URL,
      cacheDir: o['cache-dir'],
      rowGroupSize: o['row-group-size'],
      compression: o.compression,
      progress: true,
    });
    const kept = result.keptColumns.length > 0 ? `, extra columns ${result.keptColumns.join(', ')}` : '';
    io.stdout.write(`wrote ${o.out} from ${result.matrix} (dim ${result.dim}${kept})\n${formatSummary(result.summary, result.seconds)}`);
  },
});
