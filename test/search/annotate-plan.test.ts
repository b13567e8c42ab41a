import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isAtlasError, LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import { DEFAULT_ANNOTATE_PLAN, createRequestSchemas, type AnnotatePlan, type AtlasIndexService, type SearchFilter } from '../../search/index.js';
import { rerankExactly } from '../../search/annotate-plan.js';
import { DEFAULT_LIMITS } from '../../server/index.js';
import { DIM, heldOutCells, openFakeAdapterIndex, type FakeAdapterIndex, type SyntheticAtlas } from './fixtures.js';

let atlas: SyntheticAtlas;
let svc: AtlasIndexService;
let index: FakeAdapterIndex;

before(async () => {
  index = await openFakeAdapterIndex(40);
  ({ atlas, svc } = index);
});

after(() => index?.close());

const heldOut = () => heldOutCells(99);

const annotateWith = (plan: AnnotatePlan | undefined, k: number, filter?: SearchFilter) => {
  const { x, n } = heldOut();
  return svc.annotate({ embeddings: x, n, k, weighting: 'uniform', plan, filter });
};

/** Label counts of the k hits of each query at one prefix, through the same service's search. */
async function searchCounts(prefix: number, column: LevelColumn, k: number, filter?: SearchFilter): Promise<Record<string, number>[]> {
  const { x, n } = heldOut();
  const res = await svc.search({ embeddings: x, n, k, prefix, filter });
  return res.results.map((r) => {
    const counts: Record<string, number> = {};
    for (const h of r.hits) counts[h[column]] = (counts[h[column]] ?? 0) + 1;
    return counts;
  });
}

test('rerankExactly: shortlist slots reordered by exact cosine distance, empty slots dropped', () => {
  // 1 query, shortlist of 3 slots (rows 7, −1, 3), 2-d unit vectors.
  const shortlist = { n: 1, k: 3, rows: Int32Array.from([7, -1, 3]), distances: Float32Array.from([0.1, Infinity, 0.2]) };
  const vectors = Float32Array.from([0, 1, 0, 0, 1, 0]);
  const nb = rerankExactly(shortlist, vectors, Float32Array.from([1, 0]), 2, 3);
  assert.deepEqual([...nb.rows], [3, 7, -1]);
  assert.deepEqual([...nb.distances], [0, 1, Infinity]);
});

test('plan full votes every level at the widest prefix; per-level and funnel at each level\'s own prefix', async () => {
  const expect = { full: [4, 4, 4, 4], 'per-level': [1, 2, 3, 4], funnel: [1, 2, 3, 4] } as const;
  for (const plan of ['full', 'per-level', 'funnel'] as const) {
    const res = await annotateWith(plan, 10);
    assert.equal(res.plan, plan);
    for (const cell of res.cells) assert.deepEqual(LEVEL_COLUMNS.map((c) => cell.levels[c]!.prefix), expect[plan], plan);
  }
  assert.equal((await annotateWith(undefined, 10)).plan, DEFAULT_ANNOTATE_PLAN);
});

test('plans full and per-level vote on the hits the service\'s own search returns at those prefixes', async () => {
  for (const plan of ['full', 'per-level'] as const) {
    const res = await annotateWith(plan, 12);
    for (const [l, c] of LEVEL_COLUMNS.entries()) {
      const counts = await searchCounts(plan === 'full' ? 4 : l + 1, c, 12);
      res.cells.forEach((cell, q) => assert.deepEqual(cell.levels[c]!.hits, counts[q], `${plan} ${c} cell ${q}`));
    }
  }
});

test('funnel: with the whole (exactly searched) subset shortlisted, each level equals the exact search at its prefix', async () => {
  // Excluding one subtype leaves 600 cells: filtered searches over them are exact, and 4·k ≥ 600 shortlists all.
  const filter: SearchFilter = { exclude: { level4_subtype: ['subtype-0'] } };
  const res = await annotateWith('funnel', 150, filter);
  for (const [l, c] of LEVEL_COLUMNS.entries()) {
    const counts = await searchCounts(l + 1, c, 150, filter);
    res.cells.forEach((cell, q) => assert.deepEqual(cell.levels[c]!.hits, counts[q], `${c} cell ${q}`));
  }
});

test('the request schema takes plan, defaults it, and rejects an unknown one', () => {
  const schemas = createRequestSchemas(svc.manifest, DEFAULT_LIMITS);
  const cell = [Array.from({ length: DIM }, () => 0.5)];
  assert.equal(schemas.parseAnnotate({ embeddings: cell }).plan, DEFAULT_ANNOTATE_PLAN);
  assert.equal(schemas.parseAnnotate({ embeddings: cell, plan: 'funnel' }).plan, 'funnel');
  assert.throws(() => schemas.parseAnnotate({ embeddings: cell, plan: 'fastest' }), (e) => isAtlasError(e, 'invalid_request'));
});

test('the service rejects an unknown plan with invalid_argument', async () => {
  const { x } = heldOut();
  await assert.rejects(svc.annotate({ embeddings: x.slice(0, DIM), n: 1, k: 5, weighting: 'uniform', plan: 'fastest' as AnnotatePlan }), (e) => isAtlasError(e, 'invalid_argument'));
});

test('search ef: a beam covering the whole index returns the exact nearest cells; bad beams are refused', async () => {
  const { x, n } = heldOut();
  const unit = (v: Float32Array) => {
    const norm = Math.hypot(...v);
    return Array.from(v, (e) => e / norm);
  };
  const res = await svc.search({ embeddings: x, n, k: 10, prefix: 4, ef: atlas.numRows });
  res.results.forEach((r, q) => {
    const query = unit(x.subarray(q * DIM, (q + 1) * DIM));
    const scored = Array.from({ length: atlas.numRows }, (_, row) => {
      const v = unit(atlas.embeddings.subarray(row * DIM, (row + 1) * DIM));
      return { id: `cell-${row}`, d: 1 - v.reduce((s, e, i) => s + e * query[i]!, 0) };
    }).sort((a, b) => a.d - b.d);
    assert.deepEqual(new Set(r.hits.map((h) => h.cell_id)), new Set(scored.slice(0, 10).map((s) => s.id)), `query ${q}`);
  });
  const small = await svc.search({ embeddings: x, n, k: 10, prefix: 4, ef: 1 });
  for (const r of small.results) assert.equal(r.hits.length, 10);
  await assert.rejects(svc.search({ embeddings: x, n, k: 10, ef: 0 }), (e) => isAtlasError(e, 'invalid_argument'));
  const schemas = createRequestSchemas(svc.manifest, DEFAULT_LIMITS);
  const cell = [Array.from({ length: DIM }, () => 0.5)];
  assert.equal(schemas.parseSearch({ embeddings: cell, ef: 24 }).ef, 24);
  assert.throws(() => schemas.parseSearch({ embeddings: cell, ef: 1.5 }), (e) => isAtlasError(e, 'invalid_request'));
});
