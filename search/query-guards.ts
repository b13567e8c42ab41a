/**
 * What the service checks itself. A request from HTTP has been through the request schema already; the
 * service still resolves where a query goes (the same rules the schema applies, from here), guards every
 * native call (integer k, dims, finite floats) and checks what only it can know (cell ids, in service.ts).
 */
import { AtlasError, checkRows, describeValue, quoteInput, type LevelColumn } from '../common/index.js';
import type { IndexManifest } from '../index-files/index.js';
import type { EngineAnnotateRequest, EngineSearchRequest } from './engine.js';
import { compileFilter } from './label-filter.js';
import { levelList, resolveLevel } from './level-names.js';
import { ANNOTATE_PLANS, DEFAULT_ANNOTATE_PLAN, type AnnotateQuery } from './annotate-types.js';
import { DEFAULT_SEARCH_PLAN, INDEX_MAX_K, MAX_SEARCH_EF, SEARCH_PLANS, type SearchQuery } from './search-types.js';
import { checkAlignedCounts, type AlignedCounts } from '../adapter/index.js';

/** Throws k_out_of_range unless k is an integer in 1..max. */
export function checkK(k: unknown, max = INDEX_MAX_K): number {
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1 || k > max) throw new AtlasError('k_out_of_range', `k ${kProblem(k, max)}`);
  return k;
}

/** What is wrong with a bad k (the message without its subject). */
export function kProblem(k: unknown, max: number): string {
  return `must be an integer in 1..${max}, got ${describeValue(k)}`;
}

/** What is wrong with a prefix this index does not have (the message without its subject). */
export function prefixProblem(prefix: unknown, m: IndexManifest): string {
  return `must be an integer in 1..${m.numScales} (the prefixes of this index), got ${describeValue(prefix)}`;
}

/** Throws invalid_argument unless `plan` is one of `plans` (library callers skip the request schema). */
function checkPlan<P extends string>(plan: P, plans: readonly P[]): P {
  if (!plans.includes(plan)) throw new AtlasError('invalid_argument', `plan must be one of ${plans.join(', ')}, got ${quoteInput(String(plan))}`);
  return plan;
}

function checkCount(n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new AtlasError('invalid_request', `n must be a positive integer (number of queries), got ${describeValue(n)}`);
  return n;
}

/**
 * Checks expression counts of n cells against the encoder the service loaded (`numGenes`, null when none).
 * The index's reference space is the encoder's latent space: the service checked the manifest at open.
 */
export function checkExpression(expression: AlignedCounts, n: number, numGenes: number | null): AlignedCounts {
  if (numGenes === null) throw new AtlasError('invalid_request', 'this index is served without an expression encoder; give embeddings, or serve with --encoder FILE');
  checkAlignedCounts(expression, numGenes);
  if (expression.n !== n) throw new AtlasError('invalid_request', `n is ${n} but the expression counts hold ${expression.n} cells`);
  return expression;
}

/** Where a search goes: prefix 0 is the original index. */
export interface SearchTarget {
  readonly level: LevelColumn | null;
  readonly prefix: number;
  readonly dims: number;
}

/**
 * Resolves level / prefix / original of a query to one index: at most one of them (invalid_request); a level,
 * prefix or original index this index does not serve is unknown_level. Default: the finest prefix.
 */
export function resolveTarget(q: Pick<SearchQuery, 'level' | 'prefix' | 'original'>, m: IndexManifest): SearchTarget {
  const given = [q.level !== undefined && 'level', q.prefix !== undefined && 'prefix', q.original === true && 'original'].filter(Boolean);
  if (given.length > 1) throw new AtlasError('invalid_request', `give at most one of level, prefix and original (got ${given.join(' and ')})`);
  if (q.original === true) {
    if (!m.original) throw new AtlasError('unknown_level', `original: this index was built without --with-original; it serves levels ${levelList(m.levelColumns)} and prefixes 1..${m.numScales}`);
    return { level: null, prefix: 0, dims: m.original.dims };
  }
  if (q.level !== undefined) {
    const level = resolveLevel(q.level, m.levelColumns);
    const prefix = m.levelPrefix[level]!;
    return { level, prefix, dims: prefix * m.scaleDim };
  }
  if (q.prefix !== undefined) {
    if (typeof q.prefix !== 'number' || !Number.isSafeInteger(q.prefix) || q.prefix < 1 || q.prefix > m.numScales) {
      throw new AtlasError('unknown_level', `prefix ${prefixProblem(q.prefix, m)}`);
    }
    return { level: null, prefix: q.prefix, dims: q.prefix * m.scaleDim };
  }
  return { level: null, prefix: m.numScales, dims: m.numScales * m.scaleDim };
}

/** A checked search, before cell ids are resolved to rows. */
export interface CheckedSearch {
  readonly target: SearchTarget;
  readonly cellIds?: readonly string[];
  readonly request: Omit<EngineSearchRequest, 'rows'>;
}

/** Resolves and guards a search query (see the file comment). */
export function checkSearch(q: SearchQuery, m: IndexManifest, encoderGenes: number | null = null): CheckedSearch {
  const k = checkK(q.k);
  const n = checkCount(q.n);
  const target = resolveTarget(q, m);
  if ([q.embeddings, q.cellIds, q.expression].filter((v) => v !== undefined).length !== 1) throw new AtlasError('invalid_request', 'give exactly one of embeddings, expression and cell ids');
  if (q.embeddings !== undefined) checkRows(q.embeddings, m.inputDim, 'embeddings', n);
  const expression = q.expression !== undefined ? checkExpression(q.expression, n, encoderGenes) : undefined;
  if (q.cellIds !== undefined && q.cellIds.length !== n) throw new AtlasError('invalid_request', `${q.cellIds.length} cell ids for n = ${n} queries`);
  const filter = compileFilter(q.filter, m.vocabularies);
  if (q.ef !== undefined && !(Number.isSafeInteger(q.ef) && q.ef >= 1 && q.ef <= MAX_SEARCH_EF)) throw new AtlasError('invalid_argument', `ef must be an integer in [1, ${MAX_SEARCH_EF}], got ${describeValue(q.ef)}`);
  const plan = checkPlan(q.plan ?? DEFAULT_SEARCH_PLAN, SEARCH_PLANS);
  if (plan === 'funnel' && target.prefix === 0) throw new AtlasError('invalid_request', 'plan "funnel" searches the prefix indexes; it cannot be combined with original');
  const request = { embeddings: q.embeddings, expression, n, prefix: target.prefix, k, filter, maxDist: q.maxDist, centroid: q.centroid === true, summary: q.summary === true, ef: q.ef, plan };
  return { target, cellIds: q.cellIds, request };
}

/** Guards an annotate query and fills its defaults (min confidence 0, the manifest's out-of-reference distance). */
export function checkAnnotate(q: AnnotateQuery, m: IndexManifest, encoderGenes: number | null = null): EngineAnnotateRequest {
  const k = checkK(q.k);
  const n = checkCount(q.n);
  if ((q.embeddings === undefined) === (q.expression === undefined)) throw new AtlasError('invalid_request', 'give exactly one of embeddings and expression');
  if (q.embeddings !== undefined) checkRows(q.embeddings, m.inputDim, 'embeddings', n);
  const expression = q.expression !== undefined ? checkExpression(q.expression, n, encoderGenes) : undefined;
  const filter = compileFilter(q.filter, m.vocabularies);
  const outOfReferenceDistance = q.outOfReferenceDistance ?? m.outOfReferenceDistance;
  const plan = checkPlan(q.plan ?? DEFAULT_ANNOTATE_PLAN, ANNOTATE_PLANS);
  return { embeddings: q.embeddings, expression, n, k, weighting: q.weighting, minConfidence: q.minConfidence ?? 0, filter, outOfReferenceDistance, plan };
}
