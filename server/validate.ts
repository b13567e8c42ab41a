/**
 * Request validation at the HTTP boundary: JSON bodies → {@link SearchQuery} / {@link AnnotateQuery}. Every
 * failure names the path of the bad field. Levels, prefixes, dims and label vocabularies come from the index
 * manifest, never re-typed here.
 */
import { AtlasError } from '../common/index.js';
import type { AnnotateQuery, SearchFilter, SearchQuery, Weighting } from '../search/index.js';
import type { IndexManifest } from '../index-files/index.js';
import { LEVEL_COLUMNS, shortLevelName, type LevelColumn } from '../ontology/index.js';
import { DEFAULT_ANNOTATE_K, DEFAULT_SEARCH_K, type ServerLimits } from './limits.js';
import { readExpression, type ExpressionLimits } from './expression-request.js';
import type { GeneReport } from '../adapter/index.js';

/** Largest cosine distance: 1 − cos lies in [0, 2]. */
const MAX_COSINE_DISTANCE = 2;

const SEARCH_FIELDS = ['embeddings', 'expression', 'cell_ids', 'level', 'prefix', 'original', 'k', 'filter', 'max_dist', 'centroid', 'summary'];
const ANNOTATE_FIELDS = ['embeddings', 'expression', 'k', 'weighting', 'min_confidence', 'out_of_reference_distance', 'filter'];
const WEIGHTINGS: readonly Weighting[] = ['uniform', 'distance'];

/** Validates request bodies against one index. */
export interface RequestValidator {
  /** `geneReport` is set for expression queries: how the request's genes matched the encoder's. */
  parseSearch(body: unknown): SearchQuery & { readonly geneReport?: GeneReport };
  parseAnnotate(body: unknown): AnnotateQuery & { readonly geneReport?: GeneReport };
  /** Short names of the levels search and annotate accept, coarse to fine (for messages and docs). */
  readonly levelNames: readonly string[];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkFields(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      throw new AtlasError('invalid_request', `${where}unknown field "${key}" (allowed: ${allowed.join(', ')})`);
    }
  }
}

function readBoolean(obj: Record<string, unknown>, key: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new AtlasError('invalid_request', `${key} must be true or false, got ${describe(v)}`);
  return v;
}

function readNumberIn(obj: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new AtlasError('invalid_request', `${key} must be a number in [${min}, ${max}], got ${describe(v)}`);
  }
  return v;
}

function readK(obj: Record<string, unknown>, fallback: number, max: number): number {
  const v = obj.k;
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw new AtlasError('k_out_of_range', `k must be an integer in 1..${max}, got ${describe(v)}`);
  }
  return v;
}

/**
 * Reads `embeddings` (an array of rows of finite numbers, each of `dim` values) into one row-major
 * Float32Array. Values are checked before any native code sees them.
 */
export function readEmbeddings(v: unknown, dim: number, maxCells: number): { data: Float32Array; n: number } {
  if (!Array.isArray(v)) throw new AtlasError('invalid_request', `embeddings must be an array of arrays of ${dim} numbers, got ${describe(v)}`);
  const n = v.length;
  if (n === 0) throw new AtlasError('invalid_request', 'embeddings must contain at least one row');
  if (n > maxCells) throw new AtlasError('batch_too_large', `embeddings has ${n} rows; at most ${maxCells} cells per request`);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const row: unknown = v[i];
    if (!Array.isArray(row)) throw new AtlasError('invalid_request', `embeddings[${i}] must be an array of ${dim} numbers, got ${describe(row)}`);
    if (row.length !== dim) {
      throw new AtlasError('wrong_dimension', `embeddings[${i}] has ${row.length} values; this index takes ${dim}-dimensional embeddings`);
    }
    const base = i * dim;
    for (let j = 0; j < dim; j++) {
      const x: unknown = row[j];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw new AtlasError('non_finite', `embeddings[${i}][${j}] must be a finite number, got ${describe(x)}`);
      }
      data[base + j] = x;
    }
  }
  // A finite float64 can still overflow float32 (e.g. 1e300): that is an Infinity for the index.
  for (let t = 0; t < data.length; t++) {
    if (!Number.isFinite(data[t]!)) {
      const i = Math.floor(t / dim);
      throw new AtlasError('non_finite', `embeddings[${i}][${t - i * dim}] is outside the float32 range`);
    }
  }
  return { data, n };
}

function readCellIds(v: unknown, maxCells: number): string[] {
  if (!Array.isArray(v)) throw new AtlasError('invalid_request', `cell_ids must be an array of strings, got ${describe(v)}`);
  if (v.length === 0) throw new AtlasError('invalid_request', 'cell_ids must contain at least one id');
  if (v.length > maxCells) throw new AtlasError('batch_too_large', `cell_ids has ${v.length} ids; at most ${maxCells} cells per request`);
  v.forEach((id, i) => {
    if (typeof id !== 'string' || id.length === 0) throw new AtlasError('invalid_request', `cell_ids[${i}] must be a non-empty string, got ${describe(id)}`);
  });
  return v as string[];
}

/** Creates the validator of one index from its manifest. */
const NO_EXPRESSION: ExpressionLimits = { model: null, minGeneOverlap: 1, builtWith: null };

export function createRequestValidator(manifest: IndexManifest, limits: ServerLimits, expression: ExpressionLimits = NO_EXPRESSION): RequestValidator {
  const trained = manifest.levelColumns;
  const levelNames = trained.map(shortLevelName);
  const numPrefixes = manifest.prefixes.length;
  const allowedLevels = `${levelNames.join(', ')} (or "prefix": 1..${numPrefixes})`;
  // Filters may name any level the atlas labels, trained or not.
  const filterColumns = LEVEL_COLUMNS.filter((c) => Array.isArray(manifest.vocabularies[c]));
  const filterNames = filterColumns.map(shortLevelName);
  const vocab = new Map<LevelColumn, Set<string>>(filterColumns.map((c) => [c, new Set(manifest.vocabularies[c])]));

  function resolveColumn(name: string, columns: readonly LevelColumn[]): LevelColumn | undefined {
    return columns.find((c) => c === name || shortLevelName(c) === name);
  }

  function readLevel(obj: Record<string, unknown>): { level?: string; prefix?: number; original?: boolean } {
    const { level, prefix } = obj;
    const original = readBoolean(obj, 'original');
    const given = [level !== undefined && 'level', prefix !== undefined && 'prefix', original === true && 'original'].filter(Boolean);
    if (given.length > 1) throw new AtlasError('invalid_request', `give only one of level, prefix and original (got ${given.join(' and ')})`);
    if (level !== undefined) {
      if (typeof level !== 'string') throw new AtlasError('unknown_level', `level must be a string, one of ${allowedLevels}; got ${describe(level)}`);
      const column = resolveColumn(level, trained);
      if (column === undefined) throw new AtlasError('unknown_level', `unknown level "${level}"; this index serves ${allowedLevels}`);
      return { level: column };
    }
    if (prefix !== undefined) {
      if (typeof prefix !== 'number' || !Number.isInteger(prefix) || prefix < 1 || prefix > numPrefixes) {
        throw new AtlasError('invalid_request', `prefix must be an integer in 1..${numPrefixes}, got ${describe(prefix)}`);
      }
      return { prefix };
    }
    if (original === true) {
      if (manifest.original === null) throw new AtlasError('invalid_request', 'original: this index was built without --with-original');
      return { original: true };
    }
    return {};
  }

  function readLabelMap(v: unknown, where: string): Record<string, string[]> {
    if (!isPlainObject(v)) throw new AtlasError('invalid_request', `${where} must be an object {level: [labels]}, got ${describe(v)}`);
    const out: Record<string, string[]> = {};
    for (const [key, labels] of Object.entries(v)) {
      const column = resolveColumn(key, filterColumns);
      if (column === undefined) throw new AtlasError('unknown_level', `${where}: unknown level "${key}"; filters accept ${filterNames.join(', ')}`);
      if (out[column] !== undefined) throw new AtlasError('invalid_request', `${where}: level ${shortLevelName(column)} is given twice`);
      if (!Array.isArray(labels) || labels.length === 0) {
        throw new AtlasError('invalid_request', `${where}.${key} must be a non-empty array of labels, got ${describe(labels)}`);
      }
      if (labels.length > limits.maxFilterLabels) {
        throw new AtlasError('invalid_request', `${where}.${key} lists ${labels.length} labels; at most ${limits.maxFilterLabels}`);
      }
      const known = vocab.get(column)!;
      labels.forEach((label, i) => {
        if (typeof label !== 'string') throw new AtlasError('invalid_request', `${where}.${key}[${i}] must be a string, got ${describe(label)}`);
        if (!known.has(label)) {
          const near = [...known].find((l) => l.toLowerCase() === label.toLowerCase());
          const hint = near !== undefined ? ` (did you mean "${near}"?)` : ` (${known.size} labels at this level; see GET /v1/info)`;
          throw new AtlasError('unknown_label', `${where}.${key}[${i}]: unknown ${shortLevelName(column)} label "${label}"${hint}`);
        }
      });
      out[column] = labels as string[];
    }
    return out;
  }

  function readFilter(obj: Record<string, unknown>): SearchFilter | undefined {
    const v = obj.filter;
    if (v === undefined) return undefined;
    if (!isPlainObject(v)) throw new AtlasError('invalid_request', `filter must be an object with include and/or exclude, got ${describe(v)}`);
    checkFields(v, ['include', 'exclude'], 'filter: ');
    const filter: { include?: Record<string, string[]>; exclude?: Record<string, string[]> } = {};
    if (v.include !== undefined) filter.include = readLabelMap(v.include, 'filter.include');
    if (v.exclude !== undefined) filter.exclude = readLabelMap(v.exclude, 'filter.exclude');
    return filter.include || filter.exclude ? filter : undefined;
  }

  function requireObject(body: unknown): Record<string, unknown> {
    if (!isPlainObject(body)) throw new AtlasError('invalid_request', `request body must be a JSON object, got ${describe(body)}`);
    return body;
  }

  return {
    levelNames,
    parseSearch(body) {
      const obj = requireObject(body);
      checkFields(obj, SEARCH_FIELDS, '');
      const hasEmb = obj.embeddings !== undefined;
      const hasIds = obj.cell_ids !== undefined;
      const hasExpr = obj.expression !== undefined;
      if ([hasEmb, hasIds, hasExpr].filter(Boolean).length !== 1) throw new AtlasError('invalid_request', 'give exactly one of embeddings, expression and cell_ids');
      const level = readLevel(obj);
      const k = readK(obj, DEFAULT_SEARCH_K, limits.maxSearchK);
      const filter = readFilter(obj);
      const maxDist = readNumberIn(obj, 'max_dist', 0, MAX_COSINE_DISTANCE);
      const centroid = readBoolean(obj, 'centroid');
      const summary = readBoolean(obj, 'summary');
      const common = { ...level, k, filter, maxDist, centroid, summary };
      if (hasEmb) {
        const { data, n } = readEmbeddings(obj.embeddings, manifest.inputDim, limits.maxCells);
        return { ...common, embeddings: data, n };
      }
      if (hasExpr) {
        const { counts, report } = readExpression(obj.expression, expression, limits.maxCells);
        return { ...common, expression: counts, n: counts.n, geneReport: report };
      }
      const cellIds = readCellIds(obj.cell_ids, limits.maxCells);
      return { ...common, cellIds, n: cellIds.length };
    },
    parseAnnotate(body) {
      const obj = requireObject(body);
      if (obj.cell_ids !== undefined) throw new AtlasError('invalid_request', 'annotate takes embeddings, not cell_ids');
      checkFields(obj, ANNOTATE_FIELDS, '');
      if ((obj.embeddings === undefined) === (obj.expression === undefined)) throw new AtlasError('invalid_request', 'give exactly one of embeddings and expression');
      const k = readK(obj, DEFAULT_ANNOTATE_K, limits.maxAnnotateK);
      const weighting = obj.weighting ?? 'uniform';
      if (typeof weighting !== 'string' || !WEIGHTINGS.includes(weighting as Weighting)) {
        throw new AtlasError('invalid_request', `weighting must be one of ${WEIGHTINGS.join(', ')}, got ${describe(weighting)}`);
      }
      const minConfidence = readNumberIn(obj, 'min_confidence', 0, 1);
      const outOfReferenceDistance = readNumberIn(obj, 'out_of_reference_distance', 0, MAX_COSINE_DISTANCE);
      const filter = readFilter(obj);
      const common = { k, weighting: weighting as Weighting, minConfidence, outOfReferenceDistance, filter };
      if (obj.expression !== undefined) {
        const { counts, report } = readExpression(obj.expression, expression, limits.maxCells);
        return { ...common, expression: counts, n: counts.n, geneReport: report };
      }
      const { data, n } = readEmbeddings(obj.embeddings, manifest.inputDim, limits.maxCells);
      return { ...common, embeddings: data, n };
    },
  };
}
