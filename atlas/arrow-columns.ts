/**
 * Conversions between apache-arrow columns and the plain shapes of {@link AtlasBatch} (Float32Array,
 * {@link EncodedColumn}). No file access here: the reader and writer wrap these around parquet-wasm.
 */
import {
  Data,
  DataType,
  Dictionary,
  Field,
  FixedSizeList,
  Float,
  Float32,
  Int32,
  Precision,
  Type,
  Utf8,
  makeData,
  vectorFromArray,
} from 'apache-arrow';
import { TextDecoder } from 'node:util';
import { AtlasError } from '../common/index.js';
import type { EncodedColumn } from './types.js';

/** The value that stands for "no Cell Ontology id" in a decoded `cl_id` column (stored as null in the file). */
export const MISSING_CL_ID = '';

/** True when an arrow type can hold a level or id column: a string, or a dictionary of strings. */
export function isStringLike(type: DataType): boolean {
  if (type.typeId === Type.Utf8 || type.typeId === Type.LargeUtf8) return true;
  return type.typeId === Type.Dictionary && isStringLike((type as Dictionary).dictionary);
}

/** The embedding dimension of a `fixed_size_list<float>` type, or a readable reason why it is not one. */
export function embeddingDim(type: DataType): number | string {
  if (type.typeId !== Type.FixedSizeList) return `embedding must be fixed_size_list<float32>[D], got ${String(type)}`;
  const fsl = type as FixedSizeList;
  const child = fsl.children[0]?.type;
  if (!child || child.typeId !== Type.Float) return `embedding must be fixed_size_list<float32>[D], got ${String(type)}`;
  if (!(fsl.listSize > 0)) return `embedding has list size ${fsl.listSize}`;
  return fsl.listSize;
}

/** Bits per value of a `fixed_size_list<float>` embedding type (16, 32 or 64); 32 for anything else. */
export function embeddingBits(type: DataType): 16 | 32 | 64 {
  const child = (type as FixedSizeList).children?.[0]?.type as Float | undefined;
  if (!child || child.typeId !== Type.Float) return 32;
  return child.precision === Precision.HALF ? 16 : child.precision === Precision.DOUBLE ? 64 : 32;
}

/** Copies the embedding chunks of one column into one row-major Float32Array (float64/16 converted). */
export function decodeEmbeddings(chunks: readonly Data[], numRows: number, dim: number): Float32Array {
  // One float32 chunk without nulls (what the writer produces): a view on the IPC buffer, no copy.
  if (chunks.length === 1 && chunks[0]!.nullCount === 0 && chunks[0]!.length === numRows) {
    const child = chunks[0]!.children[0]!;
    if (child.nullCount === 0 && child.values instanceof Float32Array) return child.values.subarray(child.offset, child.offset + numRows * dim);
  }
  const out = new Float32Array(numRows * dim);
  let row = 0;
  for (const data of chunks) {
    if (data.nullCount > 0) throw new AtlasError('invalid_atlas', `embedding column has ${data.nullCount} null rows`);
    const child = data.children[0]!;
    if (child.nullCount > 0) throw new AtlasError('invalid_atlas', 'embedding column has null values');
    // arrow-js slices a fixed-size list's child along with it, so the child's own offset is the start.
    const start = child.offset;
    const values = child.values as Float32Array | Float64Array | Uint16Array;
    const n = data.length * dim;
    if (values instanceof Uint16Array) throw new AtlasError('invalid_atlas', 'float16 embeddings are not supported; store float32');
    out.set(values.subarray(start, start + n), row * dim);
    row += data.length;
  }
  if (row !== numRows) throw new AtlasError('invalid_atlas', `embedding column has ${row} rows, expected ${numRows}`);
  return out;
}

/**
 * Decodes the chunks of a string or dictionary-of-string column into one {@link EncodedColumn} whose
 * dictionary holds each distinct value once, in order of first appearance. Nulls become `nullValue`.
 */
export function decodeStrings(chunks: readonly Data[], numRows: number, nullValue: string | null): EncodedColumn {
  const codes = new Int32Array(numRows);
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  const codeOf = (s: string): number => {
    let c = index.get(s);
    if (c === undefined) {
      c = dictionary.length;
      dictionary.push(s);
      index.set(s, c);
    }
    return c;
  };
  let row = 0;
  for (const data of chunks) {
    const hasNulls = data.nullCount > 0;
    let nullCode = -1;
    if (hasNulls) {
      if (nullValue === null) throw new AtlasError('invalid_atlas', `column has ${data.nullCount} null values`);
      nullCode = codeOf(nullValue);
    }
    if (data.type.typeId === Type.Dictionary) {
      const dict = data.dictionary!;
      const local = new Int32Array(dict.length);
      for (let j = 0; j < dict.length; j++) {
        const v = dict.get(j);
        local[j] = v === null ? (nullCode >= 0 ? nullCode : codeOf(nullValue ?? '')) : codeOf(String(v));
      }
      const keys = data.values as ArrayLike<number | bigint>;
      for (let i = 0; i < data.length; i++) {
        if (hasNulls && !data.getValid(i)) codes[row + i] = nullCode;
        else codes[row + i] = local[Number(keys[data.offset + i])]!;
      }
    } else {
      const offsets = data.valueOffsets as Int32Array | BigInt64Array;
      const bytes = data.values as Uint8Array;
      const decoder = new TextDecoder();
      for (let i = 0; i < data.length; i++) {
        if (hasNulls && !data.getValid(i)) {
          codes[row + i] = nullCode;
          continue;
        }
        const a = Number(offsets[data.offset + i]);
        const b = Number(offsets[data.offset + i + 1]);
        codes[row + i] = codeOf(decoder.decode(bytes.subarray(a, b)));
      }
    }
    row += data.length;
  }
  if (row !== numRows) throw new AtlasError('invalid_atlas', `string column has ${row} rows, expected ${numRows}`);
  return { codes, dictionary };
}

/** Decodes a plain string column (e.g. `cell_id`) to one string per row, without interning. */
export function decodeStringList(chunks: readonly Data[], numRows: number): string[] {
  if (chunks.some((d) => d.type.typeId === Type.Dictionary || d.nullCount > 0)) return expandStrings(decodeStrings(chunks, numRows, null));
  const out = new Array<string>(numRows);
  const decoder = new TextDecoder();
  let row = 0;
  for (const data of chunks) {
    const offsets = data.valueOffsets as Int32Array | BigInt64Array;
    const bytes = data.values as Uint8Array;
    for (let i = 0; i < data.length; i++) {
      const a = Number(offsets[data.offset + i]);
      const b = Number(offsets[data.offset + i + 1]);
      out[row + i] = b - a < 24 ? latin1OrDecode(bytes, a, b, decoder) : decoder.decode(bytes.subarray(a, b));
    }
    row += data.length;
  }
  if (row !== numRows) throw new AtlasError('invalid_atlas', `string column has ${row} rows, expected ${numRows}`);
  return out;
}

/** Short ASCII strings decode faster by hand than through TextDecoder. */
function latin1OrDecode(bytes: Uint8Array, a: number, b: number, decoder: TextDecoder): string {
  let s = '';
  for (let k = a; k < b; k++) {
    const c = bytes[k]!;
    if (c >= 0x80) return decoder.decode(bytes.subarray(a, b));
    s += String.fromCharCode(c);
  }
  return s;
}

/** Expands an encoded column to one string per row. */
export function expandStrings(col: EncodedColumn): string[] {
  const out = new Array<string>(col.codes.length);
  for (let i = 0; i < col.codes.length; i++) out[i] = col.dictionary[col.codes[i]!]!;
  return out;
}

/** Arrow type of the embedding column for dimension `dim`. */
export function embeddingType(dim: number): FixedSizeList<Float32> {
  return new FixedSizeList(dim, new Field('item', new Float32(), false));
}

/** Builds the embedding column of `numRows` rows from row-major values. */
export function encodeEmbeddings(values: Float32Array, numRows: number, dim: number): Data<FixedSizeList<Float32>> {
  const child = makeData({ type: new Float32(), length: numRows * dim, nullCount: 0, data: values });
  return makeData({ type: embeddingType(dim), length: numRows, nullCount: 0, child });
}

/**
 * Builds a `dictionary<int32, utf8>` column. Rows whose value equals `nullValue` are written as null
 * (used for `cl_id`, where labels without an ontology id have none).
 */
export function encodeDictionary(col: EncodedColumn, type: Dictionary<Utf8, Int32>, nullValue: string | null = null): Data<Dictionary<Utf8, Int32>> {
  const dictionary = vectorFromArray([...col.dictionary], new Utf8());
  const n = col.codes.length;
  const nullEntry = nullValue === null ? -1 : col.dictionary.indexOf(nullValue);
  if (nullEntry < 0) return makeData({ type, length: n, nullCount: 0, data: col.codes, dictionary });
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    if (col.codes[i] === nullEntry) nulls++;
    else bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return makeData({ type, length: n, nullCount: nulls, nullBitmap: nulls > 0 ? bitmap : undefined, data: col.codes, dictionary });
}

/** Builds a plain utf8 column. */
export function encodeUtf8(values: readonly string[]): Data<Utf8> {
  return vectorFromArray(values as string[], new Utf8()).data[0]!;
}
