/**
 * Checks on the per-cell columns of an import (pure): labels present on every row, ids unique; extra columns
 * compacted per batch.
 */
import { AtlasError } from '../../common/index.js';
import type { EncodedColumn } from '../types.js';
import type { SourceColumn } from './types.js';

/** Throws `invalid_input` when some rows have no value in `col`, with their count and the first one. */
export function requireEveryRow(col: SourceColumn, what: string, ids?: readonly string[]): void {
  let missing = 0;
  let first = -1;
  for (let i = 0; i < col.codes.length; i++) {
    if (col.codes[i]! < 0) {
      if (first < 0) first = i;
      missing++;
    }
  }
  if (missing > 0) {
    const at = ids ? ` (id ${JSON.stringify(ids[first])})` : '';
    throw new AtlasError('invalid_input', `${missing} row(s) have no ${what}; the first is row ${first}${at}`);
  }
}

/** Throws `invalid_input` when an id repeats, with the number of repeated ids and the first one's rows. */
export function requireUniqueIds(ids: readonly string[], what: string): void {
  const seen = new Map<string, number>();
  let repeats = 0;
  let first: [string, number, number] | null = null;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const prev = seen.get(id);
    if (prev === undefined) seen.set(id, i);
    else {
      repeats++;
      first ??= [id, prev, i];
    }
  }
  if (first) {
    throw new AtlasError('invalid_input', `${what} has ${repeats} duplicated id(s); the first, ${JSON.stringify(first[0])}, is on rows ${first[1]} and ${first[2]} (use --id-column to pick unique ids)`);
  }
}

/**
 * Drops dictionary entries no row uses (AnnData keeps unused categories after subsetting: they must not be
 * resolved, nor fail as unmapped). Codes are renumbered; -1 stays "no value".
 */
export function dropUnusedValues(col: SourceColumn): SourceColumn {
  const remap = new Int32Array(col.dictionary.length).fill(-1);
  const dictionary: string[] = [];
  const codes = new Int32Array(col.codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = col.codes[i]!;
    if (c < 0) {
      codes[i] = -1;
      continue;
    }
    if (remap[c] === -1) {
      remap[c] = dictionary.length;
      dictionary.push(col.dictionary[c]!);
    }
    codes[i] = remap[c]!;
  }
  return { codes, dictionary };
}

/**
 * Rows `[start, start + n)` of a source column as an atlas column with its own compact dictionary (a
 * high-cardinality column such as a barcode must not repeat its whole dictionary in every row group).
 * Rows without a value become ''.
 */
export function sliceColumn(col: SourceColumn, start: number, n: number): EncodedColumn {
  const codes = new Int32Array(n);
  const dictionary: string[] = [];
  const local = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const g = col.codes[start + i]!;
    let c = local.get(g);
    if (c === undefined) {
      c = dictionary.length;
      dictionary.push(g < 0 ? '' : col.dictionary[g]!);
      local.set(g, c);
    }
    codes[i] = c;
  }
  return { codes, dictionary };
}
