/**
 * `import`: a labelled embedding file (AnnData .h5ad, .npy + labels table, CSV/TSV) → atlas Parquet with the
 * 4 levels attached. The per-cell columns are read and checked first (labels on every row, unique ids,
 * labels that map to the Cell Ontology), then the matrix streams through in row blocks to the atlas writer.
 * Any problem aborts the writer, so no output file is left behind.
 */
import { AtlasError, LEVEL_COLUMNS, createProgress, type LevelColumn } from '../../common/index.js';
import type { HierarchyRow } from '../../ontology/index.js';
import { buildLabelLevelMap } from '../ingest.js';
import { createSummaryCounter, type AtlasSummary } from '../summary.js';
import type { EncodedColumn } from '../types.js';
import { DEFAULT_ROW_GROUP_SIZE, createAtlasWriter, type AtlasWriter } from '../writer.js';
import { dropUnusedValues, requireEveryRow, requireUniqueIds, sliceColumn } from './labels.js';
import type { ImportSource, SourceColumn } from './types.js';

/** Where the labels come from: a column of names, or a column of Cell Ontology ids. */
export type LabelSpec = { readonly labelColumn: string } | { readonly clIdColumn: string };

/** Options of {@link importToAtlas} once the source is open. */
export interface ImportPipelineOptions {
  readonly labels: LabelSpec;
  /** Column of cell ids (default: the source's index, else row numbers). */
  readonly idColumn?: string;
  /** Extra per-cell columns carried into the atlas as string columns. */
  readonly keepColumns?: readonly string[];
  /** Resolves the distinct labels (or CL ids) to their 4 levels; throws `unmapped_labels`. */
  readonly resolve: (values: readonly string[], kind: 'label' | 'cl') => Promise<ReadonlyMap<string, HierarchyRow>>;
  readonly out: string;
  readonly rowGroupSize?: number;
  readonly compression?: 'zstd' | 'snappy';
  readonly progress?: boolean;
}

/** What an import wrote. */
export interface ImportResult {
  readonly out: string;
  readonly matrix: string;
  readonly dim: number;
  readonly summary: AtlasSummary;
  readonly keptColumns: readonly string[];
  readonly seconds: number;
  readonly rowsPerSecond: number;
}

/** The cell ids: `--id-column`, else the source's index, else row numbers; checked for gaps and repeats. */
async function readIds(source: ImportSource, idColumn: string | undefined): Promise<string[]> {
  const { obs } = source;
  if (idColumn !== undefined) {
    const col = await obs.column(idColumn);
    requireEveryRow(col, `id in column "${idColumn}"`);
    const ids = Array.from(col.codes, (c) => col.dictionary[c]!);
    requireUniqueIds(ids, `column "${idColumn}"`);
    return ids;
  }
  const index = await obs.index();
  if (index === null) return Array.from({ length: obs.numRows }, (_, i) => String(i));
  requireUniqueIds(index, `${obs.name} index`);
  return index;
}

interface NonFinite {
  rows: number;
  first: number;
}

/** Counts rows of a block holding NaN or ±Infinity (pure). */
function countNonFinite(block: Float32Array, dim: number, offset: number, acc: NonFinite): void {
  for (let r = 0; r * dim < block.length; r++) {
    for (let k = r * dim; k < (r + 1) * dim; k++) {
      if (!Number.isFinite(block[k]!)) {
        if (acc.first < 0) acc.first = offset + r;
        acc.rows++;
        break;
      }
    }
  }
}

function remapCodes(codes: Int32Array, map: { dictionary: string[]; codeOfLabel: Int32Array }): EncodedColumn {
  return { codes: Int32Array.from(codes, (c) => map.codeOfLabel[c]!), dictionary: map.dictionary };
}

/** Imports an opened source into an atlas at `options.out` (see the module comment). */
export async function importToAtlas(source: ImportSource, options: ImportPipelineOptions): Promise<ImportResult> {
  const started = performance.now();
  const { matrix, obs } = source;
  if (obs.numRows === 0 || matrix.numRows === 0) throw new AtlasError('invalid_input', `${source.path} has 0 rows: nothing to import`);
  if (matrix.numRows !== obs.numRows) throw new AtlasError('invalid_input', `${matrix.name} has ${matrix.numRows} rows but ${obs.name} has ${obs.numRows}`);
  const kind = 'labelColumn' in options.labels ? 'label' : 'cl';
  const labelName = 'labelColumn' in options.labels ? options.labels.labelColumn : options.labels.clIdColumn;
  const ids = await readIds(source, options.idColumn);
  const labels: SourceColumn = dropUnusedValues(await obs.column(labelName));
  requireEveryRow(labels, `${kind === 'cl' ? 'CL id' : 'label'} in column "${labelName}"`, ids);
  const keepColumns = [...(options.keepColumns ?? [])];
  const kept = await Promise.all(keepColumns.map((c) => obs.column(c)));
  const hierarchy = await options.resolve(labels.dictionary, kind);
  const levelMap = buildLabelLevelMap(labels.dictionary, hierarchy);

  const { dim, numRows } = matrix;
  const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
  const bar = options.progress ? createProgress('import', numRows) : null;
  const counter = createSummaryCounter();
  const bad: NonFinite = { rows: 0, first: -1 };
  let writer: AtlasWriter | null = null;
  try {
    writer = await createAtlasWriter(options.out, { dim, rowGroupSize, compression: options.compression, extraColumns: keepColumns });
    let start = 0;
    for await (const embeddings of matrix.blocks(rowGroupSize)) {
      const n = embeddings.length / dim;
      if (start + n > numRows) throw new AtlasError('invalid_input', `${matrix.name} yields more than its ${numRows} rows`);
      countNonFinite(embeddings, dim, start, bad);
      if (bad.rows === 0) {
        const codes = labels.codes.subarray(start, start + n);
        const levels = Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, remapCodes(codes, levelMap.levels[c])])) as Record<LevelColumn, EncodedColumn>;
        const extra = Object.fromEntries(keepColumns.map((c, k) => [c, sliceColumn(kept[k]!, start, n)]));
        await writer.write({ numRows: n, dim, embeddings, levels, cellIds: ids.slice(start, start + n), clIds: remapCodes(codes, levelMap.clIds), extra });
        counter.add(levels);
      }
      start += n;
      bar?.increment(n);
    }
    if (bad.rows > 0) {
      throw new AtlasError('non_finite', `${matrix.name}: ${bad.rows} row(s) have NaN or Infinity; the first is row ${bad.first} (id ${JSON.stringify(ids[bad.first])}); drop or fix them before importing`);
    }
    if (start !== numRows) throw new AtlasError('invalid_input', `${matrix.name} holds ${start} rows, expected ${numRows}`);
    await writer.close();
  } catch (err) {
    await writer?.abort();
    throw err;
  } finally {
    bar?.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  return { out: options.out, matrix: matrix.name, dim, summary: counter.result(), keptColumns: keepColumns, seconds, rowsPerSecond: seconds > 0 ? numRows / seconds : 0 };
}
