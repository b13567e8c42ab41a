/**
 * The one error table of fractal-atlas. Every expected failure is an {@link AtlasError} with a code from
 * {@link ErrorCode}; the HTTP error handler and the CLI both read status and wording from here.
 */

interface ErrorSpec {
  /** HTTP status when the error reaches the API. */
  readonly status: number;
  /** Default message, used when the thrower gives none. */
  readonly message: string;
}

/** Every expected failure: its code, HTTP status and default wording. */
export const ERROR_TABLE = {
  invalid_json: { status: 400, message: 'request body is not valid JSON' },
  invalid_request: { status: 400, message: 'request is invalid' },
  wrong_dimension: { status: 400, message: 'embedding has the wrong number of dimensions' },
  non_finite: { status: 400, message: 'embedding contains NaN or Infinity' },
  unknown_level: { status: 400, message: 'unknown level' },
  unknown_label: { status: 400, message: 'unknown label' },
  k_out_of_range: { status: 400, message: 'k is out of range' },
  unauthorized: { status: 401, message: 'missing or wrong bearer token' },
  unknown_cell_id: { status: 404, message: 'unknown cell id' },
  map_not_built: { status: 404, message: 'this index has no reference map' },
  not_found: { status: 404, message: 'no such route' },
  method_not_allowed: { status: 405, message: 'method not allowed on this route' },
  payload_too_large: { status: 413, message: 'request body is too large' },
  batch_too_large: { status: 413, message: 'too many cells in one request' },
  unsupported_media_type: { status: 415, message: 'request body must be application/json' },
  not_ready: { status: 503, message: 'indexes or adapter not loaded yet' },
  invalid_argument: { status: 400, message: 'invalid argument' },
  file_not_found: { status: 404, message: 'file not found' },
  download_failed: { status: 502, message: 'download failed' },
  invalid_obo: { status: 422, message: 'not a valid OBO file' },
  unmapped_labels: { status: 422, message: 'labels could not be mapped to the Cell Ontology' },
  invalid_atlas: { status: 422, message: 'not a valid atlas file' },
  invalid_hnswlib: { status: 422, message: 'not a valid hnswlib index file' },
  invalid_input: { status: 422, message: 'input file cannot be imported' },
  invalid_model: { status: 422, message: 'not a valid fractal adapter model' },
  index_mismatch: { status: 409, message: 'index does not match its manifest or adapter' },
  insufficient_gene_overlap: { status: 422, message: 'too few of the expression model\'s genes in the query' },
  index_corrupt: { status: 503, message: 'index files are damaged or changed since they were verified' },
  result_too_large: { status: 413, message: 'the response would be too large' },
  invalid_encoding: { status: 400, message: 'request body encoding is invalid' },
  write_failed: { status: 507, message: 'cannot write the output' },
  training_failed: { status: 500, message: 'training failed' },
  internal: { status: 500, message: 'internal error' },
} as const satisfies Readonly<Record<string, ErrorSpec>>;

/** Every expected failure, by code: the keys of {@link ERROR_TABLE}. */
export type ErrorCode = keyof typeof ERROR_TABLE;

/** An expected failure with a code from the error table. */
export class AtlasError extends Error {
  readonly code: ErrorCode;
  /** Optional structured detail (e.g. the list of unmapped labels), returned to API clients. */
  readonly details?: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERROR_TABLE[code].message);
    this.name = 'AtlasError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }

  /** HTTP status for this error. */
  get status(): number {
    return ERROR_TABLE[this.code].status;
  }
}

/** True when `err` is an {@link AtlasError} (optionally with the given code). */
export function isAtlasError(err: unknown, code?: ErrorCode): err is AtlasError {
  return err instanceof AtlasError && (code === undefined || err.code === code);
}
