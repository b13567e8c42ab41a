/**
 * Arrow request bodies for expression queries: an Arrow IPC stream or file whose schema metadata `genes`
 * holds the gene symbols (JSON array) and whose rows are cells, either a list column `counts` (one count
 * per gene) or list columns `indices` + `values` (sparse). The other request fields come from the query
 * string (`?k=10&level=type`). The body is turned into the JSON form and parsed by the same request schema,
 * so validation and error codes are those of JSON bodies.
 */
import { tableFromIPC, type Table, type Vector } from 'apache-arrow';
import { AtlasError } from '../common/index.js';

/** The media types of Arrow bodies (stream and file format). */
export const ARROW_MEDIA_TYPES = ['application/vnd.apache.arrow.stream', 'application/vnd.apache.arrow.file'] as const;

const NUMBER_PARAMS = new Set(['k', 'prefix', 'min_confidence', 'max_dist', 'out_of_reference_distance']);
const BOOLEAN_PARAMS = new Set(['original', 'centroid', 'summary']);

function paramValue(key: string, v: unknown): unknown {
  if (typeof v !== 'string') throw new AtlasError('invalid_request', `query parameter ${key} must be given once`);
  if (NUMBER_PARAMS.has(key)) return v.trim() === '' ? v : Number(v);
  if (BOOLEAN_PARAMS.has(key)) return v === 'true' ? true : v === 'false' ? false : v;
  return v;
}

function listRows(table: Table, name: string): (number[] | null)[] {
  const col = table.getChild(name);
  if (col === null) throw new AtlasError('invalid_request', `Arrow body has no column "${name}"`);
  const out: (number[] | null)[] = [];
  for (let i = 0; i < table.numRows; i++) {
    const cell = col.get(i) as Vector | null;
    if (cell === null || typeof (cell as { toArray?: unknown }).toArray !== 'function') {
      throw new AtlasError('invalid_request', `Arrow column "${name}" row ${i} must be a list of numbers, got ${cell === null ? 'null' : typeof cell}`);
    }
    out.push(Array.from(cell.toArray() as ArrayLike<number | bigint>, Number));
  }
  return out;
}

/** Arrow body bytes + query parameters → the JSON request body they stand for. */
export function arrowRequestBody(bytes: Uint8Array, query: Readonly<Record<string, unknown>>): Record<string, unknown> {
  let table: Table;
  try {
    table = tableFromIPC(bytes);
  } catch (err) {
    throw new AtlasError('invalid_request', `request body is not an Arrow IPC stream or file (${(err as Error).message.split('\n')[0]})`);
  }
  const meta = table.schema.metadata.get('genes');
  if (meta === undefined) throw new AtlasError('invalid_request', 'Arrow body: the schema metadata must hold "genes", a JSON array of gene symbols');
  let genes: unknown;
  try {
    genes = JSON.parse(meta);
  } catch {
    throw new AtlasError('invalid_request', 'Arrow body: schema metadata "genes" is not valid JSON');
  }
  let counts: unknown[];
  if (table.getChild('counts') !== null) counts = listRows(table, 'counts');
  else if (table.getChild('indices') !== null && table.getChild('values') !== null) {
    const indices = listRows(table, 'indices');
    const values = listRows(table, 'values');
    counts = indices.map((idx, i) => ({ indices: idx, values: values[i] }));
  } else {
    throw new AtlasError('invalid_request', 'Arrow body needs a list column "counts" (dense) or list columns "indices" and "values" (sparse)');
  }
  const body: Record<string, unknown> = { expression: { genes, counts } };
  for (const [key, v] of Object.entries(query)) body[key] = paramValue(key, v);
  return body;
}
