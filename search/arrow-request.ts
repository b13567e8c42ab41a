/**
 * Arrow IPC request bodies: a stream of record batches with an optional utf8 `cell_id` column and either an
 * `embedding` fixed_size_list<float32>[D] column, or raw counts for the served encoder: the schema metadata
 * `genes` (a JSON array of gene symbols) and a list column `counts` (one count per gene) or list columns
 * `indices` + `values` (sparse). Decoding gives the embedding matrix (a view on the body when it is one batch)
 * or the `expression` field in its JSON form, and the ids' raw utf8 buffers; the request options come from
 * the query string. All go through the same request schema as a JSON body (createRequestSchemas with
 * `embeddings: 'matrix'`), so validation and error codes are those of JSON bodies.
 */
import { Type, tableFromIPC, type Data, type FixedSizeList, type Table, type Vector } from 'apache-arrow';
import { AtlasError } from '../common/index.js';
import type { Utf8Column } from './arrow-tables.js';

/** The media type of Arrow IPC streams, in requests and answers. */
export const ARROW_STREAM_TYPE = 'application/vnd.apache.arrow.stream';

/** Column names an Arrow request may carry. */
const ARROW_EMBEDDING_COLUMN = 'embedding';
const ARROW_CELL_ID_COLUMN = 'cell_id';
/** Columns of an expression (counts) body: dense `counts`, or sparse `indices` + `values`. */
export const ARROW_COUNTS_COLUMNS = ['counts', 'indices', 'values'] as const;
const ALLOWED_COLUMNS: readonly string[] = [ARROW_EMBEDDING_COLUMN, ARROW_CELL_ID_COLUMN, ...ARROW_COUNTS_COLUMNS];

/** Row-major embeddings decoded from an Arrow body (the request schema checks n, dim and finiteness). */
export interface EmbeddingMatrix {
  readonly kind: 'embedding-matrix';
  readonly values: Float32Array;
  readonly n: number;
  readonly dim: number;
}

/** True for an {@link EmbeddingMatrix}. */
export function isEmbeddingMatrix(v: unknown): v is EmbeddingMatrix {
  return typeof v === 'object' && v !== null && (v as EmbeddingMatrix).kind === 'embedding-matrix' && (v as EmbeddingMatrix).values instanceof Float32Array;
}

/** The `expression` field an Arrow counts body stands for (checked by the request schema as JSON's is). */
export interface ArrowExpression {
  readonly genes: unknown;
  readonly counts: readonly unknown[];
}

/** A decoded Arrow body: embeddings or counts. */
export type ArrowRequestBody = { readonly matrix: EmbeddingMatrix; readonly expression?: undefined; readonly cellIds?: Utf8Column } | { readonly matrix?: undefined; readonly expression: ArrowExpression; readonly cellIds?: Utf8Column };

function readTable(bytes: Uint8Array): Table {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw new AtlasError('invalid_request', `request body is not an Arrow IPC stream: ${(err as Error).message.split('\n')[0]}`);
  }
  if (table.schema.fields.length === 0) throw new AtlasError('invalid_request', 'request body is not an Arrow IPC stream (no schema)');
  return table;
}

function decodeMatrix(chunks: readonly Data[], n: number): EmbeddingMatrix {
  const type = chunks[0]?.type as FixedSizeList | undefined;
  const child = type?.children[0]?.type;
  if (!type || type.typeId !== Type.FixedSizeList || child?.typeId !== Type.Float || (child as { precision: number }).precision !== 1) {
    throw new AtlasError('invalid_request', `column embedding must be fixed_size_list<float32>[D] (pyarrow: pa.list_(pa.float32(), D)), got ${String(type)}`);
  }
  const dim = type.listSize;
  if (chunks.length === 1 && chunks[0]!.nullCount === 0 && chunks[0]!.children[0]!.nullCount === 0) {
    const c = chunks[0]!.children[0]!;
    return { kind: 'embedding-matrix', values: (c.values as Float32Array).subarray(c.offset, c.offset + n * dim), n, dim };
  }
  const values = new Float32Array(n * dim);
  let row = 0;
  for (const data of chunks) {
    const c = data.children[0]!;
    if (data.nullCount > 0 || c.nullCount > 0) throw new AtlasError('non_finite', `column embedding has null values (rows from ${row}); every row needs ${dim} finite numbers`);
    values.set((c.values as Float32Array).subarray(c.offset, c.offset + data.length * dim), row * dim);
    row += data.length;
  }
  return { kind: 'embedding-matrix', values, n, dim };
}

function decodeIds(chunks: readonly Data[], n: number): Utf8Column {
  if (chunks.some((d) => d.type.typeId !== Type.Utf8)) throw new AtlasError('invalid_request', `column cell_id must be utf8 strings (pyarrow: pa.string()), got ${String(chunks[0]?.type)}`);
  if (chunks.some((d) => d.nullCount > 0)) throw new AtlasError('invalid_request', 'column cell_id has null values');
  const offsets = new Int32Array(n + 1);
  let size = 0;
  for (const d of chunks) size += d.valueOffsets[d.offset + d.length]! - d.valueOffsets[d.offset]!;
  const bytes = new Uint8Array(size);
  let row = 0;
  let at = 0;
  for (const d of chunks) {
    const o = d.valueOffsets;
    const a = o[d.offset]!;
    const b = o[d.offset + d.length]!;
    bytes.set((d.values as Uint8Array).subarray(a, b), at);
    for (let i = 1; i <= d.length; i++) offsets[row + i] = at + o[d.offset + i]! - a;
    row += d.length;
    at += b - a;
  }
  return { offsets, bytes };
}

function listRows(table: Table, name: string): number[][] {
  const col = table.getChild(name)!;
  const out: number[][] = [];
  for (let i = 0; i < table.numRows; i++) {
    const cell = col.get(i) as Vector | null;
    if (cell === null || typeof (cell as { toArray?: unknown }).toArray !== 'function') {
      throw new AtlasError('invalid_request', `Arrow column "${name}" row ${i} must be a list of numbers, got ${cell === null ? 'null' : typeof cell}`);
    }
    out.push(Array.from(cell.toArray() as ArrayLike<number | bigint>, Number));
  }
  return out;
}

/** The counts columns and the `genes` metadata → the JSON form of the `expression` field. */
function decodeExpression(table: Table, names: readonly string[]): ArrowExpression {
  const meta = table.schema.metadata.get('genes');
  if (meta === undefined) throw new AtlasError('invalid_request', 'Arrow counts body: the schema metadata must hold "genes", a JSON array of gene symbols');
  let genes: unknown;
  try {
    genes = JSON.parse(meta);
  } catch {
    throw new AtlasError('invalid_request', 'Arrow counts body: schema metadata "genes" is not valid JSON');
  }
  if (names.includes('counts') && !names.includes('indices') && !names.includes('values')) return { genes, counts: listRows(table, 'counts') };
  if (names.includes('indices') && names.includes('values') && !names.includes('counts')) {
    const values = listRows(table, 'values');
    return { genes, counts: listRows(table, 'indices').map((indices, i) => ({ indices, values: values[i] })) };
  }
  throw new AtlasError('invalid_request', 'Arrow counts body needs a list column "counts" (dense) or list columns "indices" and "values" (sparse)');
}

/** Decodes an Arrow IPC stream body; `invalid_request` names what is wrong (columns, types, nulls). */
export function decodeArrowBody(bytes: Uint8Array): ArrowRequestBody {
  const table = readTable(bytes);
  const names = table.schema.fields.map((f) => f.name);
  const unknown = names.find((name) => !ALLOWED_COLUMNS.includes(name));
  if (unknown !== undefined) throw new AtlasError('invalid_request', `Arrow body has unknown column ${JSON.stringify(unknown)} (allowed: ${ALLOWED_COLUMNS.join(', ')})`);
  const ids = table.getChild(ARROW_CELL_ID_COLUMN);
  const cellIds = ids ? decodeIds(ids.data, table.numRows) : undefined;
  const hasCounts = ARROW_COUNTS_COLUMNS.some((c) => names.includes(c));
  const embedding = table.getChild(ARROW_EMBEDDING_COLUMN);
  if (embedding && hasCounts) throw new AtlasError('invalid_request', 'Arrow body has both an embedding column and counts columns; send one of them');
  if (hasCounts) return { expression: decodeExpression(table, names), cellIds };
  if (!embedding) throw new AtlasError('invalid_request', `Arrow body has no embedding column nor counts columns (columns: ${names.join(', ')})`);
  return { matrix: decodeMatrix(embedding.data, table.numRows), cellIds };
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * The options of an Arrow request from its query string (`?k=50&weighting=distance&filter={…}`): numbers and
 * true/false become JSON values, `filter` is parsed as JSON, anything else stays a string; the request
 * schema then checks them as it checks a JSON body's fields.
 */
export function optionsFromQuery(params: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    if (values.length > 1) throw new AtlasError('invalid_request', `query parameter ${JSON.stringify(key)} is given ${values.length} times`);
    if (key === 'embeddings' || key === 'cell_ids' || key === 'expression') throw new AtlasError('invalid_request', `query parameter ${key}: an Arrow request carries its cells in the body (columns embedding or counts, and cell_id)`);
    const v = values[0]!;
    if (key === 'filter') {
      try {
        out[key] = JSON.parse(v);
      } catch {
        throw new AtlasError('invalid_json', 'query parameter filter is not valid JSON');
      }
    } else out[key] = NUMBER.test(v) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
  }
  return out;
}
