/**
 * Request bodies → validated queries, the same steps wherever they run (in the body worker for big bodies,
 * inline for small ones): JSON text is parsed and checked by the JSON request schemas; an Arrow IPC stream is
 * decoded to its embedding matrix (or counts) and ids, its options read from the query string, and checked by the same
 * schemas built over the matrix field (with the Arrow cell limit).
 */
import { AtlasError } from '../common/index.js';
import { createRequestSchemas, decodeArrowBody, optionsFromQuery, type AnnotateQuery, type ExpressionLimits, type RequestSchemas, type SearchQuery, type Utf8Column } from '../search/index.js';
import type { IndexManifest } from '../index-files/index.js';
import type { ServerLimits } from './limits.js';

/** Which endpoint and which body format. */
export type BodyRoute = 'search' | 'annotate';
export type BodyFormat = 'json' | 'arrow';

/** One body to decode. */
export interface DecodeRequest {
  readonly route: BodyRoute;
  readonly format: BodyFormat;
  readonly bytes: Uint8Array;
  /** The request's query string without `?` (options of an Arrow request). */
  readonly query: string;
}

/** A decoded body: the query, and the ids of an Arrow body's `cell_id` column. */
export type DecodedRequest =
  | { readonly route: 'search'; readonly query: SearchQuery; readonly cellIds?: Utf8Column }
  | { readonly route: 'annotate'; readonly query: AnnotateQuery; readonly cellIds?: Utf8Column };

/** The schemas of both formats for one index. */
export interface BodySchemas {
  readonly json: RequestSchemas;
  readonly arrow: RequestSchemas;
}

/** Builds the schemas of both body formats. */
export function createBodySchemas(manifest: IndexManifest, limits: ServerLimits, expression?: ExpressionLimits): BodySchemas {
  return {
    json: createRequestSchemas(manifest, limits, { expression }),
    arrow: createRequestSchemas(manifest, { ...limits, maxCells: limits.maxArrowCells }, { embeddings: 'matrix', expression }),
  };
}

function parseJsonText(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AtlasError('invalid_json', `request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Decodes and validates one body (AtlasError with the schema's code on any problem). */
export function decodeBody(schemas: BodySchemas, req: DecodeRequest): DecodedRequest {
  if (req.format === 'json') {
    const body = parseJsonText(req.bytes);
    return req.route === 'search' ? { route: 'search', query: schemas.json.parseSearch(body) } : { route: 'annotate', query: schemas.json.parseAnnotate(body) };
  }
  const { matrix, expression, cellIds } = decodeArrowBody(req.bytes);
  const body = { ...optionsFromQuery(new URLSearchParams(req.query)), ...(matrix ? { embeddings: matrix } : { expression }) };
  if (req.route === 'search') return { route: 'search', query: schemas.arrow.parseSearch(body), cellIds };
  return { route: 'annotate', query: schemas.arrow.parseAnnotate(body), cellIds };
}

/** Buffers of a decoded request that can move (not be copied) to another thread. */
export function decodedTransfer(d: DecodedRequest): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView | undefined) => {
    if (a && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  };
  add(d.query.embeddings);
  const counts = d.query.expression;
  if (counts) [counts.indptr, counts.indices, counts.values].forEach(add);
  add(d.cellIds?.offsets);
  add(d.cellIds?.bytes);
  return [...out];
}
