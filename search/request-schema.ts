/**
 * The request schemas of one index: JSON bodies (snake_case) → typed {@link SearchQuery} / {@link AnnotateQuery}.
 * Levels, prefixes, dims and vocabularies come from the manifest, limits from the caller. These schemas are
 * the validation (through {@link parseAtBoundary}) and the source of the OpenAPI request documents.
 */
import { z } from 'zod';
import { AtlasError, describeValue, parseAtBoundary, coded, quoteInput, LEVEL_COLUMNS, type LevelColumn } from '../common/index.js';
import type { IndexManifest } from '../index-files/index.js';
import { compileFilter } from './label-filter.js';
import { findLevel, levelChoices, levelList } from './level-names.js';
import { kProblem, prefixProblem, resolveTarget } from './query-guards.js';
import { MAX_COSINE_DISTANCE, booleanField, cellIdsField, choiceField, embeddingMatrixField, embeddingsField, filterField, integerField, numberField } from './request-fields.js';
import { ANNOTATE_PLANS, DEFAULT_ANNOTATE_PLAN, WEIGHTINGS, type AnnotateQuery } from './annotate-types.js';
import { DEFAULT_SEARCH_PLAN, MAX_SEARCH_EF, SEARCH_PLANS, type SearchFilter, type SearchQuery } from './search-types.js';
import { expressionField, type ExpressionLimits } from './expression-field.js';
import { FUNNEL_SHORTLIST_FACTOR } from './annotate-plan.js';

/** The request limits the schemas enforce (the server's documented limits). */
export interface RequestLimits {
  /** Most cells (embeddings or cell ids) in one request. */
  readonly maxCells: number;
  readonly maxSearchK: number;
  readonly maxAnnotateK: number;
  /** Most labels listed for one level of a filter. */
  readonly maxFilterLabels: number;
}

/** Default k of each endpoint when the request gives none. */
export const DEFAULT_SEARCH_K = 10;
export const DEFAULT_ANNOTATE_K = 50;

/** The schemas of one index, and the parse step that applies them. */
export interface RequestSchemas {
  readonly search: z.ZodType<SearchQuery>;
  readonly annotate: z.ZodType<AnnotateQuery>;
  readonly filter: z.ZodType;
  readonly expression: z.ZodType;
  /** Body → query, or AtlasError (invalid_request, wrong_dimension, non_finite, unknown_level, …). */
  parseSearch(body: unknown): SearchQuery;
  parseAnnotate(body: unknown): AnnotateQuery;
}

function bodyObject<T extends z.core.$ZodLooseShape>(shape: T, description: string) {
  const allowed = Object.keys(shape).join(', ');
  return z
    .strictObject(shape, {
      error: (iss) => (iss.code === 'unrecognized_keys' ? `has unknown field ${quoteInput(String(iss.keys[0]))} (allowed: ${allowed})` : `must be a JSON object, got ${describeValue(iss.input)}`),
    })
    .meta({ description });
}

/** The filter with its level names resolved to columns (compileFilter has checked them and the labels). */
function resolveFilter(given: { include?: Partial<Record<string, string[]>>; exclude?: Partial<Record<string, string[]>> } | undefined, m: IndexManifest): SearchFilter | undefined {
  const filter = given as SearchFilter | undefined;
  if (filter === undefined || compileFilter(filter, m.vocabularies) === null) return undefined;
  const side = (s?: Readonly<Record<string, readonly string[]>>) => (s === undefined ? undefined : Object.fromEntries(Object.entries(s).map(([k, v]) => [findLevel(k, LEVEL_COLUMNS)!, v])));
  return { include: side(filter.include), exclude: side(filter.exclude) };
}

/** The fields both bodies share, built once per index. */
interface SharedFields {
  readonly embeddings: ReturnType<typeof embeddingsField>;
  readonly expression: ReturnType<typeof expressionField>;
  readonly filter: ReturnType<typeof filterField>;
}

/** The body of POST /v1/search → SearchQuery. */
function searchSchema(m: IndexManifest, limits: RequestLimits, { embeddings, expression, filter }: SharedFields) {
  const trained: readonly LevelColumn[] = m.levelColumns;
  const level = coded(
    z.enum(levelChoices(trained) as [string, ...string[]], { error: (iss) => `must be one of ${levelList(trained)}, or give "prefix": 1..${m.numScales}; got ${describeValue(iss.input)}` }),
    'unknown_level',
  );
  return bodyObject(
    {
      embeddings: embeddings.optional(),
      expression: expression.optional(),
      cell_ids: cellIdsField(limits.maxCells).optional(),
      level: level.optional(),
      prefix: coded(integerField(1, m.numScales, (v) => prefixProblem(v, m)), 'unknown_level').optional(),
      original: booleanField().meta({ description: 'Search the index over the original embeddings (built with --with-original)' }).optional(),
      k: coded(integerField(1, limits.maxSearchK, (v) => kProblem(v, limits.maxSearchK)), 'k_out_of_range').default(DEFAULT_SEARCH_K),
      filter: filter.optional(),
      max_dist: numberField(0, MAX_COSINE_DISTANCE, 'a cosine distance').meta({ description: 'Drop hits farther than this cosine distance' }).optional(),
      centroid: booleanField().meta({ description: 'Search once with the normalised mean of the queries' }).default(false),
      summary: booleanField().meta({ description: 'Add hit counts per label at every level' }).default(false),
      ef: integerField(1, MAX_SEARCH_EF, (v) => `must be an integer in [1, ${MAX_SEARCH_EF}], got ${describeValue(v)}`)
        .meta({ description: 'HNSW search beam for this request (default: the beam the build calibrated for this prefix and k, GET /v1/info build.beams; expansion_search for an index built without); the beam used is max(ef, k). Recall per ef: BENCHMARKS.md' })
        .optional(),
      plan: choiceField(SEARCH_PLANS)
        .meta({ description: `hnsw: the prefix's own index; funnel: a ${FUNNEL_SHORTLIST_FACTOR}·k shortlist from the shortest prefix, reranked by exact cosine at the requested prefix (not with original)` })
        .default(DEFAULT_SEARCH_PLAN),
    },
    'Exactly one of embeddings, expression and cell_ids; at most one of level, prefix and original (default: the finest prefix).',
  ).transform((b): SearchQuery => {
    if ([b.embeddings, b.expression, b.cell_ids].filter((v) => v !== undefined).length !== 1) throw new AtlasError('invalid_request', 'request body must give exactly one of embeddings, expression and cell_ids');
    const target = resolveTarget({ level: b.level, prefix: b.prefix, original: b.original }, m);
    const common = { level: target.level ?? undefined, prefix: b.prefix, original: b.original, k: b.k, filter: resolveFilter(b.filter, m), maxDist: b.max_dist, centroid: b.centroid, summary: b.summary, ef: b.ef, plan: b.plan };
    if (b.embeddings !== undefined) return { ...common, embeddings: b.embeddings, n: b.embeddings.length / m.inputDim };
    if (b.expression !== undefined) return { ...common, expression: b.expression.counts, n: b.expression.counts.n, expressionReport: b.expression.report };
    return { ...common, cellIds: b.cell_ids, n: b.cell_ids!.length };
  });
}

/** The body of POST /v1/annotate → AnnotateQuery. */
function annotateSchema(m: IndexManifest, limits: RequestLimits, { embeddings, expression, filter }: SharedFields) {
  return bodyObject(
    {
      embeddings: embeddings.optional(),
      expression: expression.optional(),
      k: coded(integerField(1, limits.maxAnnotateK, (v) => kProblem(v, limits.maxAnnotateK)), 'k_out_of_range').default(DEFAULT_ANNOTATE_K),
      weighting: choiceField(WEIGHTINGS).default('uniform'),
      min_confidence: numberField(0, 1).meta({ description: 'Levels whose confidence is below it are "unassigned"' }).optional(),
      out_of_reference_distance: numberField(0, MAX_COSINE_DISTANCE, 'a cosine distance').meta({ description: 'Override of the build-time threshold' }).optional(),
      filter: filter.optional(),
      plan: choiceField(ANNOTATE_PLANS)
        .meta({ description: 'full: one search at the widest prefix, voted at every level; per-level: one search per level prefix; funnel: short-prefix shortlist reranked exactly per level' })
        .default(DEFAULT_ANNOTATE_PLAN),
    },
    'kNN vote per level over the cells given: exactly one of embeddings and expression.',
  ).transform((b, ctx): AnnotateQuery => {
    // An issue rather than a throw, so that an unknown field (the likelier mistake) is reported first.
    if ((b.embeddings === undefined) === (b.expression === undefined)) {
      ctx.issues.push({ code: 'custom', message: 'must give exactly one of embeddings and expression', input: b, params: { code: 'invalid_request' } });
      return z.NEVER;
    }
    const cells = b.embeddings !== undefined ? { embeddings: b.embeddings, n: b.embeddings.length / m.inputDim } : { expression: b.expression!.counts, n: b.expression!.counts.n, expressionReport: b.expression!.report };
    return {
      ...cells,
      k: b.k,
      weighting: b.weighting,
      minConfidence: b.min_confidence,
      outOfReferenceDistance: b.out_of_reference_distance,
      filter: resolveFilter(b.filter, m),
      plan: b.plan,
    };
  });
}

const NO_EXPRESSION: ExpressionLimits = { model: null, minGeneOverlap: 1, builtWith: null };

/** Options of {@link createRequestSchemas}. */
export interface RequestSchemaOptions {
  /**
   * `json` (default): `embeddings` is an array of rows, as in a JSON body. `matrix`: an EmbeddingMatrix
   * decoded from an Arrow body (arrow-request.ts), the other fields from the query string.
   */
  readonly embeddings?: 'json' | 'matrix';
  /** The encoder the index is served with, if any (default: none; expression queries are refused). */
  readonly expression?: ExpressionLimits;
}

/** Builds the request schemas of the index described by `m` (and of the encoder it is served with, if any). */
export function createRequestSchemas(m: IndexManifest, limits: RequestLimits, options: RequestSchemaOptions = {}): RequestSchemas {
  // The Arrow variant differs only in how embeddings arrive; typed as the JSON field for the shared shapes.
  const embeddings = options.embeddings === 'matrix' ? (embeddingMatrixField(m.inputDim, limits.maxCells) as unknown as ReturnType<typeof embeddingsField>) : embeddingsField(m.inputDim, limits.maxCells);
  const fields: SharedFields = {
    filter: filterField(LEVEL_COLUMNS, limits.maxFilterLabels),
    embeddings,
    expression: expressionField(options.expression ?? NO_EXPRESSION, limits.maxCells),
  };
  const search = searchSchema(m, limits, fields);
  const annotate = annotateSchema(m, limits, fields);
  return {
    search,
    annotate,
    filter: fields.filter,
    expression: fields.expression,
    parseSearch: (body) => parseAtBoundary(search, body, 'invalid_request'),
    parseAnnotate: (body) => parseAtBoundary(annotate, body, 'invalid_request'),
  };
}
