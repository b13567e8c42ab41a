/**
 * The atlas schema: which columns an atlas file has, how they are typed when written, and the check that a
 * file read from disk is an atlas.
 */
import { Dictionary, Field, Int32, Schema, Utf8 } from 'apache-arrow';
import { AtlasError, LEVEL_COLUMNS } from '../common/index.js';
import { embeddingBits, embeddingDim, embeddingType, isStringLike } from './arrow-columns.js';

/** Column names of the atlas file besides the level columns. */
export const EMBEDDING_COLUMN = 'embedding';
export const CELL_ID_COLUMN = 'cell_id';
export const CL_ID_COLUMN = 'cl_id';

/** What an atlas file's schema says about its content. */
export interface AtlasLayout {
  readonly dim: number;
  readonly hasCellIds: boolean;
  readonly hasClIds: boolean;
  /** Bits per stored embedding value: 32 as written here; 64 (converted to float32 on read) or 16 (refused). */
  readonly embeddingBits: 16 | 32 | 64;
  /** String columns besides the atlas's own (carried over from the source), in file order. */
  readonly extraColumns: readonly string[];
}

/**
 * A dictionary<int32, utf8> type with a fixed dictionary id. arrow-js numbers dictionaries from a
 * process-wide counter otherwise, and the id ends up in the file's embedded Arrow schema: fixed ids keep
 * the same data → the same bytes.
 */
export function dictionaryType(id: number): Dictionary<Utf8, Int32> {
  return new Dictionary(new Utf8(), new Int32(), id);
}

/** Names an extra column may not take: the atlas's own columns. */
export function reservedColumnNames(): readonly string[] {
  return [EMBEDDING_COLUMN, ...LEVEL_COLUMNS, CELL_ID_COLUMN, CL_ID_COLUMN];
}

/** Dictionary id of extra column `k` (after the levels and `cl_id`). */
export function extraDictionaryId(k: number): number {
  return LEVEL_COLUMNS.length + 1 + k;
}

/**
 * The arrow schema written for an atlas of dimension `dim`; `cl_id` only when `withClIds`; then the extra
 * string columns (e.g. donor, tissue carried over by `import`), which readers that do not ask for them skip.
 */
export function atlasSchema(dim: number, withClIds: boolean, extraColumns: readonly string[] = []): Schema {
  const fields: Field[] = [new Field(EMBEDDING_COLUMN, embeddingType(dim), false)];
  LEVEL_COLUMNS.forEach((col, k) => fields.push(new Field(col, dictionaryType(k), false)));
  fields.push(new Field(CELL_ID_COLUMN, new Utf8(), false));
  if (withClIds) fields.push(new Field(CL_ID_COLUMN, dictionaryType(LEVEL_COLUMNS.length), true));
  extraColumns.forEach((name, k) => fields.push(new Field(name, dictionaryType(extraDictionaryId(k)), false)));
  return new Schema(fields);
}

/**
 * Checks that a schema read from a file is an atlas: an embedding column of fixed-size float lists and the
 * four level columns as (dictionary-encoded) strings; `cell_id` and `cl_id` are optional. Reports every
 * missing or mistyped column in one {@link AtlasError} `invalid_atlas`.
 */
export function validateAtlasSchema(schema: Schema, path: string): AtlasLayout {
  const problems: string[] = [];
  const byName = new Map(schema.fields.map((f) => [f.name, f] as const));
  let dim = 0;
  const emb = byName.get(EMBEDDING_COLUMN);
  const bits = emb ? embeddingBits(emb.type) : 32;
  if (bits === 16) problems.push('embedding is float16; store float32 (or float64, converted on read)');
  if (!emb) problems.push(`missing column "${EMBEDDING_COLUMN}"`);
  else {
    const d = embeddingDim(emb.type);
    if (typeof d === 'string') problems.push(d);
    else dim = d;
  }
  const missingLevels = LEVEL_COLUMNS.filter((c) => !byName.has(c));
  if (missingLevels.length > 0) problems.push(`missing level column${missingLevels.length > 1 ? 's' : ''} ${missingLevels.join(', ')}`);
  for (const col of [...LEVEL_COLUMNS, CELL_ID_COLUMN, CL_ID_COLUMN]) {
    const f = byName.get(col);
    if (f && !isStringLike(f.type)) problems.push(`column "${col}" must be strings, got ${String(f.type)}`);
  }
  if (problems.length > 0) {
    throw new AtlasError('invalid_atlas', `${path} is not an atlas file: ${problems.join('; ')}`, { problems });
  }
  const reserved = new Set(reservedColumnNames());
  const extraColumns = schema.fields.filter((f) => !reserved.has(f.name) && isStringLike(f.type)).map((f) => f.name);
  return { dim, hasCellIds: byName.has(CELL_ID_COLUMN), hasClIds: byName.has(CL_ID_COLUMN), embeddingBits: bits, extraColumns };
}
