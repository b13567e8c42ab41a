/** Shapes shared by the import sources (h5ad, npy + table, CSV/TSV) and the import pipeline. */

/**
 * A per-row string column as read from a source: `dictionary[codes[i]]` is row i's value; code -1 means the
 * row has no value (a NaN category, an empty cell).
 */
export interface SourceColumn {
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

/** The embedding matrix of a source, read front to back in row blocks. */
export interface MatrixSource {
  /** Where the matrix comes from, for messages (e.g. `obsm/X_pca`). */
  readonly name: string;
  readonly numRows: number;
  readonly dim: number;
  /** Row-major float32 blocks of at most `rows` rows, in order, covering every row once. */
  blocks(rows: number): AsyncIterable<Float32Array>;
}

/** The per-cell table of a source (AnnData's `obs`, a labels TSV, the non-embedding CSV columns). */
export interface ObsSource {
  /** Where the table comes from, for messages (e.g. `obs`, `labels.tsv`). */
  readonly name: string;
  readonly numRows: number;
  /** Column names, for "no such column" messages. */
  readonly columns: readonly string[];
  /** Reads one column; AtlasError `invalid_input` naming the columns there are when it is absent. */
  column(name: string): Promise<SourceColumn>;
  /** The row ids the source defines (AnnData's obs index), or null when it has none. */
  index(): Promise<string[] | null>;
}

/** An opened input: its matrix and its per-cell table. */
export interface ImportSource {
  readonly path: string;
  readonly matrix: MatrixSource;
  readonly obs: ObsSource;
  close(): Promise<void>;
}

/** Builds a {@link SourceColumn} from one value per row; null, undefined and '' become "no value". */
export function columnFromValues(values: ArrayLike<string | null | undefined>): SourceColumn {
  const codes = new Int32Array(values.length);
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || v === '') {
      codes[i] = -1;
      continue;
    }
    let c = index.get(v);
    if (c === undefined) {
      c = dictionary.length;
      dictionary.push(v);
      index.set(v, c);
    }
    codes[i] = c;
  }
  return { codes, dictionary };
}

/** Expands a column to one string per row ('' for rows without a value). */
export function columnValues(col: SourceColumn): string[] {
  return Array.from(col.codes, (c) => (c < 0 ? '' : col.dictionary[c]!));
}
