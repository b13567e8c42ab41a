/**
 * The fields of the request schemas. Each carries its error code ({@link coded}) and a message saying what
 * the value must be; the OpenAPI document is generated from the same objects.
 */
import { z } from 'zod';
import { checkRows, coded, describeValue, quoteInput, says, type ErrorCode, type LevelColumn } from '../common/index.js';
import { isEmbeddingMatrix, type EmbeddingMatrix } from './arrow-request.js';
import { levelChoices, levelList } from './level-names.js';

/** Largest cosine distance: 1 − cos lies in [0, 2]. */
export const MAX_COSINE_DISTANCE = 2;

type Ctx = z.core.ParsePayload<unknown>;

function fail(ctx: Ctx, code: ErrorCode, path: (string | number)[], message: string): never {
  ctx.issues.push({ code: 'custom', message, input: ctx.value, path, params: { code } });
  return z.NEVER;
}

/** Copies JSON rows into one row-major Float32Array, reporting the first bad row or value. */
function toFloat32(rows: unknown[], dim: number, maxCells: number, ctx: Ctx): Float32Array {
  if (rows.length === 0) return fail(ctx, 'invalid_request', [], 'must contain at least one row');
  if (rows.length > maxCells) return fail(ctx, 'batch_too_large', [], `has ${rows.length} rows; at most ${maxCells} cells per request`);
  const data = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!Array.isArray(row)) return fail(ctx, 'invalid_request', [i], `must be an array of ${dim} numbers, got ${describeValue(row)}`);
    if (row.length !== dim) return fail(ctx, 'wrong_dimension', [i], `has ${row.length} values; this index takes ${dim}-dimensional embeddings`);
    for (let j = 0; j < dim; j++) {
      const x: unknown = row[j];
      if (typeof x !== 'number') return fail(ctx, 'non_finite', [i, j], `must be a finite number, got ${describeValue(x)}`);
      data[i * dim + j] = x;
    }
  }
  // The one finiteness rule: also catches 1e999 (parsed as Infinity) and finite doubles beyond float32.
  checkRows(data, dim, 'embeddings');
  return data;
}

/**
 * `embeddings`: 1..maxCells rows of `dim` finite numbers → one Float32Array. Checked by one loop rather than
 * element schemas: 10,000 × 768 values would otherwise be 7.7M zod nodes (and as many issues when all are bad).
 */
export function embeddingsField(dim: number, maxCells: number) {
  return z
    .array(z.unknown(), says((v) => `must be an array of rows of ${dim} numbers, got ${describeValue(v)}`))
    .meta({
      description: `Query cells, one row of ${dim} finite numbers each (the model space the adapter takes).`,
      minItems: 1,
      maxItems: maxCells,
      items: { type: 'array', minItems: dim, maxItems: dim, items: { type: 'number' } },
    })
    .transform((rows, ctx) => toFloat32(rows, dim, maxCells, ctx as Ctx));
}

/**
 * `embeddings` of an Arrow body: an {@link EmbeddingMatrix} (decoded from the `embedding` column) of 1..maxCells
 * rows of `dim` finite float32 → its Float32Array. The same codes and messages as {@link embeddingsField}.
 */
export function embeddingMatrixField(dim: number, maxCells: number) {
  return z
    .custom<EmbeddingMatrix>(isEmbeddingMatrix, says(() => `must be the embedding column of an Arrow body`))
    .transform((m, ctx) => {
      if (m.n === 0) return fail(ctx as Ctx, 'invalid_request', [], 'must contain at least one row');
      if (m.n > maxCells) return fail(ctx as Ctx, 'batch_too_large', [], `has ${m.n} rows; at most ${maxCells} cells per Arrow request`);
      if (m.dim !== dim) return fail(ctx as Ctx, 'wrong_dimension', [], `has ${m.dim} values per row; this index takes ${dim}-dimensional embeddings`);
      checkRows(m.values, dim, 'embeddings');
      return m.values;
    });
}

/** `cell_ids`: 1..maxCells non-empty strings; too many is batch_too_large. */
export function cellIdsField(maxCells: number) {
  const id = z.string(says((v) => `must be a non-empty string, got ${describeValue(v)}`)).min(1, says(() => 'must be a non-empty string'));
  const ids = z
    .array(id, says((v) => `must be an array of cell id strings, got ${describeValue(v)}`))
    .min(1, says(() => 'must contain at least one id'))
    .max(maxCells, says((v) => `has ${(v as unknown[]).length} ids; at most ${maxCells} cells per request`));
  return coded(ids, { default: 'invalid_request', too_big: 'batch_too_large' });
}

/** An integer in min..max, every failure with the same message. */
export function integerField(min: number, max: number, problem: (v: unknown) => string) {
  const e = says(problem);
  return z.number(e).int(e).min(min, e).max(max, e);
}

/** A number in [min, max]. */
export function numberField(min: number, max: number, what = 'a number') {
  const e = says((v) => `must be ${what} in [${min}, ${max}], got ${describeValue(v)}`);
  return z.number(e).min(min, e).max(max, e);
}

/** true or false. */
export function booleanField() {
  return z.boolean(says((v) => `must be true or false, got ${describeValue(v)}`));
}

/** One of `values`. */
export function choiceField<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, says((v) => `must be one of ${values.join(', ')}, got ${describeValue(v)}`));
}

/**
 * `filter`: `{include?, exclude?}`, each level name → 1..maxLabels labels. An unknown level name is
 * unknown_level; whether the labels exist is checked against the vocabularies by compileFilter.
 */
export function filterField(columns: readonly LevelColumn[], maxLabels: number) {
  const labels = z
    .array(z.string(says((v) => `must be a label string, got ${describeValue(v)}`)), says((v) => `must be an array of labels, got ${describeValue(v)}`))
    .min(1, says(() => 'must be a non-empty array of labels'))
    .max(maxLabels, says((v) => `lists ${(v as unknown[]).length} labels; at most ${maxLabels}`));
  const names = levelChoices(columns) as [string, ...string[]];
  const labelMap = z
    .partialRecord(z.enum(names), labels, {
      // zod reports an unknown key of a partial record as unrecognized_keys (its types do not say so).
      error: (iss) =>
        (iss.code as string) === 'unrecognized_keys'
          ? `has unknown level ${quoteInput(String((iss as unknown as { keys: string[] }).keys[0]))}; filters accept ${levelList(columns)}`
          : `must be an object {level: [labels]}, got ${describeValue(iss.input)}`,
    })
    .meta({ description: "Level (short name or column) → labels from that level's vocabulary (GET /v1/info)." });
  const filter = z
    .strictObject(
      { include: coded(labelMap, { default: 'invalid_request', unrecognized_keys: 'unknown_level' }).optional(), exclude: coded(labelMap, { default: 'invalid_request', unrecognized_keys: 'unknown_level' }).optional() },
      { error: (iss) => (iss.code === 'unrecognized_keys' ? `has unknown field ${quoteInput(String(iss.keys[0]))} (allowed: include, exclude)` : `must be an object with include and/or exclude, got ${describeValue(iss.input)}`) },
    )
    .meta({ description: 'include: a hit has one of the labels at every level given; exclude: none of them. Applied inside the search.' });
  return filter;
}
