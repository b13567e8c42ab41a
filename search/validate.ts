/** Validation of service queries against the manifest: everything is checked before any native call. */
import { AtlasError } from '../common/index.js';
import { shortLevelName, type LevelColumn } from '../ontology/index.js';
import type { EngineAnnotateRequest, EngineSearchRequest } from './engine.js';
import { compileFilter } from './label-filter.js';
import { resolveLevel } from './level-names.js';
import { INDEX_MAX_K, type AnnotateQuery, type SearchQuery } from './types.js';
import { firstNonFinite, type IndexManifest } from '../index-files/index.js';
import { checkAlignedCounts, type AlignedCounts } from '../adapter/index.js';

/** Throws k_out_of_range unless k is an integer in 1..INDEX_MAX_K. */
export function checkK(k: unknown): number {
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 1 || k > INDEX_MAX_K) {
    throw new AtlasError('k_out_of_range', `k must be an integer between 1 and ${INDEX_MAX_K}, got ${JSON.stringify(k)}`);
  }
  return k;
}

function checkCount(n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new AtlasError('invalid_request', `n must be a positive integer (number of queries), got ${JSON.stringify(n)}`);
  return n;
}

/** Checks an n × inputDim Float32Array of finite values. */
export function checkEmbeddings(embeddings: unknown, n: number, inputDim: number): Float32Array {
  if (!(embeddings instanceof Float32Array)) throw new AtlasError('invalid_request', 'embeddings must be a Float32Array (n × input dim, row-major)');
  if (embeddings.length !== n * inputDim) {
    const per = embeddings.length / n;
    throw new AtlasError('wrong_dimension', `embeddings must have ${inputDim} dimensions per cell (the index's input dim); got ${Number.isInteger(per) ? per : `${embeddings.length} values for ${n} cells`}`);
  }
  const bad = firstNonFinite(embeddings);
  if (bad >= 0) throw new AtlasError('non_finite', `embedding ${Math.floor(bad / inputDim)} has a NaN or Infinity at dimension ${bad % inputDim}`);
  return embeddings;
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

/** Resolves level / prefix / original of a query to one index. */
export function resolveTarget(q: Pick<SearchQuery, 'level' | 'prefix' | 'original'>, m: IndexManifest): SearchTarget {
  const given = [q.level !== undefined, q.prefix !== undefined, !!q.original].filter(Boolean).length;
  if (given > 1) throw new AtlasError('invalid_request', 'give at most one of level, prefix and original');
  if (q.original) {
    if (!m.original) throw new AtlasError('unknown_level', `this index has no original-embedding index (build it with --with-original); allowed levels: ${m.levelColumns.map((c) => shortLevelName(c)).join(', ')}`);
    return { level: null, prefix: 0, dims: m.original.dims };
  }
  if (q.level !== undefined) {
    const level = resolveLevel(q.level, m.levelColumns);
    const prefix = m.levelPrefix[level]!;
    return { level, prefix, dims: prefix * m.scaleDim };
  }
  if (q.prefix !== undefined) {
    if (typeof q.prefix !== 'number' || !Number.isSafeInteger(q.prefix) || q.prefix < 1 || q.prefix > m.numScales) {
      throw new AtlasError('unknown_level', `prefix must be an integer from 1 to ${m.numScales}, got ${JSON.stringify(q.prefix)}`);
    }
    return { level: null, prefix: q.prefix, dims: q.prefix * m.scaleDim };
  }
  return { level: null, prefix: m.numScales, dims: m.numScales * m.scaleDim };
}

function checkBool(v: unknown, name: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new AtlasError('invalid_request', `${name} must be true or false`);
  return v;
}

/** A validated search, before cell ids are resolved to rows. */
export interface ValidatedSearch {
  readonly target: SearchTarget;
  readonly cellIds?: readonly string[];
  readonly request: Omit<EngineSearchRequest, 'rows'>;
}

export function validateSearch(q: SearchQuery, m: IndexManifest, encoderGenes: number | null = null): ValidatedSearch {
  if (!q || typeof q !== 'object') throw new AtlasError('invalid_request', 'search query must be an object');
  const k = checkK(q.k);
  const n = checkCount(q.n);
  const target = resolveTarget(q, m);
  if ([q.embeddings, q.cellIds, q.expression].filter((v) => v !== undefined).length !== 1) throw new AtlasError('invalid_request', 'give exactly one of embeddings, expression and cell ids');
  let embeddings: Float32Array | undefined;
  if (q.embeddings !== undefined) embeddings = checkEmbeddings(q.embeddings, n, m.inputDim);
  const expression = q.expression !== undefined ? checkExpression(q.expression, n, encoderGenes) : undefined;
  if (q.cellIds !== undefined) {
    if (!Array.isArray(q.cellIds) || q.cellIds.length !== n || q.cellIds.some((id) => typeof id !== 'string')) {
      throw new AtlasError('invalid_request', `cell ids must be an array of ${n} strings`);
    }
  }
  if (q.maxDist !== undefined && (typeof q.maxDist !== 'number' || !Number.isFinite(q.maxDist) || q.maxDist < 0)) {
    throw new AtlasError('invalid_request', `max_dist must be a finite number ≥ 0 (cosine distance), got ${JSON.stringify(q.maxDist)}`);
  }
  const filter = compileFilter(q.filter, m.vocabularies);
  return {
    target,
    cellIds: q.cellIds,
    request: {
      embeddings,
      expression,
      n,
      prefix: target.prefix,
      k,
      filter,
      maxDist: q.maxDist,
      centroid: checkBool(q.centroid, 'centroid'),
      summary: checkBool(q.summary, 'summary'),
    },
  };
}

export function validateAnnotate(q: AnnotateQuery, m: IndexManifest, encoderGenes: number | null = null): EngineAnnotateRequest {
  if (!q || typeof q !== 'object') throw new AtlasError('invalid_request', 'annotate query must be an object');
  const k = checkK(q.k);
  const n = checkCount(q.n);
  if ((q.embeddings === undefined) === (q.expression === undefined)) throw new AtlasError('invalid_request', 'give exactly one of embeddings and expression');
  const embeddings = q.embeddings !== undefined ? checkEmbeddings(q.embeddings, n, m.inputDim) : undefined;
  const expression = q.expression !== undefined ? checkExpression(q.expression, n, encoderGenes) : undefined;
  if (q.weighting !== 'uniform' && q.weighting !== 'distance') throw new AtlasError('invalid_request', `weighting must be "uniform" or "distance", got ${JSON.stringify(q.weighting)}`);
  const minConfidence = q.minConfidence ?? 0;
  if (typeof minConfidence !== 'number' || !Number.isFinite(minConfidence) || minConfidence < 0 || minConfidence > 1) {
    throw new AtlasError('invalid_request', `min_confidence must be a number from 0 to 1, got ${JSON.stringify(q.minConfidence)}`);
  }
  const oor = q.outOfReferenceDistance ?? m.outOfReferenceDistance;
  if (typeof oor !== 'number' || !Number.isFinite(oor) || oor < 0) throw new AtlasError('invalid_request', `out-of-reference distance must be a finite number ≥ 0, got ${JSON.stringify(oor)}`);
  return { embeddings, expression, n, k, weighting: q.weighting, minConfidence, filter: compileFilter(q.filter, m.vocabularies), outOfReferenceDistance: oor };
}
