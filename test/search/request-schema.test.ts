import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAtlasError, LEVEL_COLUMNS } from '../../common/index.js';
import type { IndexManifest } from '../../index-files/index.js';
import { createRequestSchemas, type RequestLimits } from '../../search/index.js';
import { DEFAULT_LIMITS } from '../../server/index.js';

const VOCABS = [['Epithelial', 'Immune', 'Neural'], ['Lymphoid', 'Myeloid'], ['T cell', 'T cell2', 'monocyte'], ['CD4 T cell', 'CD8 T cell']];

/** A manifest as the schemas read it: 4-d input, 4 scales of 1 dim, level i on prefix i. */
function manifestOf(overrides: Partial<IndexManifest> = {}): IndexManifest {
  const vocabularies = Object.fromEntries(LEVEL_COLUMNS.map((c, i) => [c, VOCABS[i]])) as unknown as IndexManifest['vocabularies'];
  return {
    inputDim: 4,
    numScales: 4,
    scaleDim: 1,
    levelColumns: [...LEVEL_COLUMNS],
    levelPrefix: { level1_system: 1, level2_lineage: 2, level3_type: 3, level4_subtype: 4 },
    prefixes: [1, 2, 3, 4].map((j) => ({ prefix: j, file: `prefix-${j}.usearch`, dims: j, vectors: 5, bytes: 100 })),
    original: null,
    vocabularies,
    outOfReferenceDistance: 0.5,
    ...overrides,
  } as IndexManifest;
}

const v = createRequestSchemas(manifestOf(), DEFAULT_LIMITS);

function rejects(fn: () => unknown, code: string, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(isAtlasError(e), `expected an AtlasError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

test('search: embeddings become one row-major Float32Array; level names map to manifest columns', () => {
  const q = v.parseSearch({ embeddings: [[1, 2, 3, 4], [5, 6, 7, 8.5]], level: 'lineage', k: 3 });
  assert.ok(q.embeddings instanceof Float32Array);
  assert.deepEqual(Array.from(q.embeddings!), [1, 2, 3, 4, 5, 6, 7, 8.5]);
  assert.equal(q.n, 2);
  assert.equal(q.level, 'level2_lineage');
  assert.equal(q.k, 3);
  assert.equal(v.parseSearch({ cell_ids: ['c1'], level: 'level4_subtype' }).level, 'level4_subtype');
});

test('search: defaults (k = 10, finest prefix chosen by the service) and options pass through', () => {
  const q = v.parseSearch({ cell_ids: ['a', 'b'], prefix: 2, max_dist: 0.3, centroid: true, summary: true });
  assert.deepEqual(q.cellIds, ['a', 'b']);
  assert.equal(q.n, 2);
  assert.equal(q.k, 10);
  assert.equal(q.prefix, 2);
  assert.equal(q.level, undefined);
  assert.equal(q.maxDist, 0.3);
  assert.equal(q.centroid, true);
  assert.equal(q.summary, true);
});

test('search: filters resolve level names and keep labels', () => {
  const q = v.parseSearch({ cell_ids: ['a'], filter: { include: { system: ['Immune'] }, exclude: { level3_type: ['T cell'] } } });
  assert.deepEqual(q.filter, { include: { level1_system: ['Immune'] }, exclude: { level3_type: ['T cell'] } });
});

test('embedding errors name the bad row and column', () => {
  rejects(() => v.parseSearch({ embeddings: [[1, 2, 3, 4], [1, 2, 3]] }), 'wrong_dimension', /^embeddings\[1\] has 3 values; this index takes 4-dimensional/);
  rejects(() => v.parseSearch({ embeddings: [[1, 2, 'NaN', 4]] }), 'non_finite', /^embeddings\[0\]\[2\] must be a finite number, got the string "NaN"/);
  rejects(() => v.parseSearch({ embeddings: [[1, null, 3, 4]] }), 'non_finite', /^embeddings\[0\]\[1\] .* got null/);
  rejects(() => v.parseSearch({ embeddings: [[1, 2, 3, 1e300]] }), 'non_finite', /^embeddings\[0\]\[3\] is not a finite float32/);
  // 1e999 is valid JSON that parses to Infinity: the same rule as a float32 overflow.
  rejects(() => v.parseSearch(JSON.parse('{"embeddings": [[1e999, 0, 0, 0]]}')), 'non_finite', /^embeddings\[0\]\[0\] is not a finite float32/);
  rejects(() => v.parseSearch({ embeddings: [1, 2, 3, 4] }), 'invalid_request', /^embeddings\[0\] must be an array of 4 numbers/);
  rejects(() => v.parseSearch({ embeddings: [] }), 'invalid_request', /^embeddings must contain at least one row/);
  rejects(() => v.parseSearch({ embeddings: 'x' }), 'invalid_request', /^embeddings must be an array of rows of 4 numbers, got the string "x"/);
});

test('levels and prefixes: one rule, exact names, unknown_level for anything the index does not serve', () => {
  rejects(() => v.parseSearch({ cell_ids: ['a'], level: 'species' }), 'unknown_level', /^level must be one of system, lineage, type, subtype \(or a level column\), or give "prefix": 1\.\.4; got the string "species"/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], level: ' Lineage' }), 'unknown_level', /got the string " Lineage"/);
  const twoLevels = createRequestSchemas(manifestOf({ levelColumns: ['level1_system', 'level2_lineage'] }), DEFAULT_LIMITS);
  rejects(() => twoLevels.parseSearch({ cell_ids: ['a'], level: 'subtype' }), 'unknown_level', /one of system, lineage \(/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], prefix: 5 }), 'unknown_level', /^prefix must be an integer in 1\.\.4 \(the prefixes of this index\), got number 5/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], prefix: 1.5 }), 'unknown_level', /^prefix must be an integer in 1\.\.4/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], prefix: 2, level: 'type' }), 'invalid_request', /at most one of level, prefix and original \(got level and prefix\)/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], original: true }), 'unknown_level', /^original: this index was built without --with-original/);
});

test('k must be an integer within the documented limits', () => {
  for (const k of [0, -1, 1001, 2.5, '10', null]) {
    rejects(() => v.parseSearch({ cell_ids: ['a'], k }), 'k_out_of_range', /^k must be an integer in 1\.\.1000/);
  }
  rejects(() => v.parseAnnotate({ embeddings: [[1, 0, 0, 0]], k: 201 }), 'k_out_of_range', /1\.\.200, got number 201/);
  assert.equal(v.parseSearch({ cell_ids: ['a'], k: 1000 }).k, 1000);
});

test('filters: unknown levels and labels are named, with a hint for a case mismatch', () => {
  rejects(() => v.parseSearch({ cell_ids: ['a'], filter: { include: { tissue: ['lung'] } } }), 'unknown_level', /^filter\.include has unknown level "tissue"; filters accept system, lineage, type, subtype/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], filter: { exclude: { type: ['T cell', 't Cell2'] } } }), 'unknown_label', /^filter\.exclude\.type\[1\] is an unknown type label "t Cell2" \(did you mean "T cell2"\?\)/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], filter: { include: { system: ['Lung'] } } }), 'unknown_label', /3 labels at this level/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], filter: { include: { system: [] } } }), 'invalid_request', /^filter\.include\.system must be a non-empty array/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], filter: { only: {} } }), 'invalid_request', /^filter has unknown field "only"/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], filter: { include: { system: ['Immune'], level1_system: ['Neural'] } } }), 'invalid_request', /gives level system twice/);
});

test('request shape: one of embeddings / cell_ids, no unknown fields, typed options', () => {
  rejects(() => v.parseSearch([]), 'invalid_request', /^request body must be a JSON object, got an array/);
  rejects(() => v.parseSearch({ k: 3 }), 'invalid_request', /exactly one of embeddings, expression and cell_ids/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], embeddings: [[1, 2, 3, 4]] }), 'invalid_request', /exactly one/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], kk: 3 }), 'invalid_request', /^request body has unknown field "kk" \(allowed: embeddings, expression, cell_ids/);
  rejects(() => v.parseSearch({ cell_ids: [''] }), 'invalid_request', /^cell_ids\[0\] must be a non-empty string/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], max_dist: 3 }), 'invalid_request', /^max_dist must be a cosine distance in \[0, 2\]/);
  rejects(() => v.parseSearch({ cell_ids: ['a'], centroid: 'yes' }), 'invalid_request', /^centroid must be true or false/);
});

test('annotate: defaults, weighting and min_confidence', () => {
  const q = v.parseAnnotate({ embeddings: [[0, 0, 1, 0]] });
  assert.equal(q.k, 50);
  assert.equal(q.weighting, 'uniform');
  assert.equal(q.minConfidence, undefined);
  const q2 = v.parseAnnotate({ embeddings: [[0, 0, 1, 0]], k: 7, weighting: 'distance', min_confidence: 0.6, out_of_reference_distance: 0.2 });
  assert.equal(q2.weighting, 'distance');
  assert.equal(q2.minConfidence, 0.6);
  assert.equal(q2.outOfReferenceDistance, 0.2);
  rejects(() => v.parseAnnotate({ embeddings: [[0, 0, 1, 0]], weighting: 'inverse' }), 'invalid_request', /^weighting must be one of uniform, distance/);
  rejects(() => v.parseAnnotate({ embeddings: [[0, 0, 1, 0]], min_confidence: 1.5 }), 'invalid_request', /^min_confidence must be a number in \[0, 1\]/);
  rejects(() => v.parseAnnotate({ cell_ids: ['a'] }), 'invalid_request', /unknown field "cell_ids"/);
  rejects(() => v.parseAnnotate({}), 'invalid_request', /exactly one of embeddings and expression/);
  rejects(() => v.parseAnnotate({ embeddings: 'x' }), 'invalid_request', /^embeddings must be an array of rows of 4 numbers, got the string/);
});

test('batch limit: more cells than allowed is batch_too_large (413)', () => {
  const limits: RequestLimits = { ...DEFAULT_LIMITS, maxCells: 2 };
  const small = createRequestSchemas(manifestOf(), limits);
  rejects(() => small.parseSearch({ embeddings: [[1, 0, 0, 0], [1, 0, 0, 0], [1, 0, 0, 0]] }), 'batch_too_large', /3 rows; at most 2 cells per request/);
  rejects(() => small.parseSearch({ cell_ids: ['a', 'b', 'c'] }), 'batch_too_large', /3 ids; at most 2/);
});
