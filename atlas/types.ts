import type { LevelColumn } from '../common/index.js';

/** A dictionary-encoded string column of one batch: `dictionary[codes[i]]` is row i's value. */
export interface EncodedColumn {
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

/**
 * One batch of atlas rows (one Parquet row group when read). Embeddings are row-major `numRows × dim`.
 * Dictionaries are per batch: consumers that need global codes remap through the dictionary strings.
 */
export interface AtlasBatch {
  /** Global row number of this batch's first row. */
  readonly rowOffset: number;
  readonly numRows: number;
  readonly dim: number;
  readonly embeddings: Float32Array;
  readonly levels: Readonly<Record<LevelColumn, EncodedColumn>>;
  /** Cell ids; row numbers as strings when the file has no `cell_id` column. */
  readonly cellIds: readonly string[];
  /**
   * Cell Ontology id of each row's subtype; null when the file has no `cl_id` column. The empty string
   * means "no id" (labels resolved by a manual override); it is stored as null in the file.
   */
  readonly clIds: EncodedColumn | null;
}

/** What an atlas writer accepts: the same shape as a read batch, without the row offset. */
export type AtlasBatchInput = Omit<AtlasBatch, 'rowOffset' | 'cellIds' | 'clIds'> & {
  readonly cellIds?: readonly string[];
  readonly clIds?: EncodedColumn | null;
  /** Values of the writer's `extraColumns`, one entry per name (required when the writer has any). */
  readonly extra?: Readonly<Record<string, EncodedColumn>>;
};
