/**
 * Arrow IPC request bodies: a stream of record batches with an `embedding` fixed_size_list<float32>[D]
 * column and an optional utf8 `cell_id` column. Decoding gives the embedding matrix (a view on the body when
 * it is one batch) and the ids' raw utf8 buffers; the request options come from the query string. Both go
 * through the same request schema as a JSON body (createRequestSchemas with `embeddings: 'matrix'`).
 */
import { Type, tableFromIPC, type Data, type FixedSizeList, type Table } from 'apache-arrow';
import { AtlasError } from '../common/index.js';
import type { Utf8Column } from './arrow-tables.js';

/** The media type of Arrow IPC streams, in requests and answers. */
export const ARROW_STREAM_TYPE = 'application/vnd.apache.arrow.stream';

/** Column names an Arrow request may carry. */
export const ARROW_EMBEDDING_COLUMN = 'embedding';
export const ARROW_CELL_ID_COLUMN = 'cell_id';

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

/** A decoded Arrow body. */
export interface ArrowRequestBody {
  readonly matrix: EmbeddingMatrix;
  readonly cellIds?: Utf8Column;
}

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

/** Decodes an Arrow IPC stream body; `invalid_request` names what is wrong (columns, types, nulls). */
export function decodeArrowBody(bytes: Uint8Array): ArrowRequestBody {
  const table = readTable(bytes);
  const names = table.schema.fields.map((f) => f.name);
  const unknown = names.find((name) => name !== ARROW_EMBEDDING_COLUMN && name !== ARROW_CELL_ID_COLUMN);
  if (unknown !== undefined) throw new AtlasError('invalid_request', `Arrow body has unknown column ${JSON.stringify(unknown)} (allowed: embedding, cell_id)`);
  const embedding = table.getChild(ARROW_EMBEDDING_COLUMN);
  if (!embedding) throw new AtlasError('invalid_request', `Arrow body has no embedding column (columns: ${names.join(', ')})`);
  const matrix = decodeMatrix(embedding.data, table.numRows);
  const ids = table.getChild(ARROW_CELL_ID_COLUMN);
  return ids ? { matrix, cellIds: decodeIds(ids.data, table.numRows) } : { matrix };
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
    if (key === 'embeddings' || key === 'cell_ids') throw new AtlasError('invalid_request', `query parameter ${key}: an Arrow request carries its cells in the body (columns embedding and cell_id)`);
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
