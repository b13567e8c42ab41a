/** `/v1/search` plan "funnel": a short-prefix shortlist reranked exactly at the requested prefix. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { DEFAULT_SEARCH_PLAN, createRequestSchemas, type AtlasIndexService, type SearchPlan } from '../../search/index.js';
import { FUNNEL_SHORTLIST_FACTOR } from '../../search/annotate-plan.js';
import { DEFAULT_LIMITS } from '../../server/index.js';
import { DIM, SCALE_DIM, heldOutCells, openFakeAdapterIndex, type FakeAdapterIndex, type SyntheticAtlas } from './fixtures.js';

let atlas: SyntheticAtlas;
let svc: AtlasIndexService;
let index: FakeAdapterIndex;

before(async () => {
  index = await openFakeAdapterIndex(40, { withOriginal: true });
  ({ atlas, svc } = index);
});

after(() => index?.close());

const heldOut = () => heldOutCells(7);

/** Exact cosine distance at prefix j between two raw embeddings. */
function prefixDistance(a: Float32Array, b: Float32Array, j: number): number {
  const d = j * SCALE_DIM;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < d; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return 1 - dot / Math.sqrt(na * nb);
}

const rowOf = (id: string) => Number(id.slice('cell-'.length));
const reference = (row: number) => atlas.embeddings.subarray(row * DIM, (row + 1) * DIM);

test('funnel: the k nearest, by exact distance at the prefix, of the shortlist the shortest prefix returns', async () => {
  const { x, n } = heldOut();
  const k = 6;
  const funnel = await svc.search({ embeddings: x, n, k, prefix: 4, plan: 'funnel' });
  const shortlist = await svc.search({ embeddings: x, n, k: FUNNEL_SHORTLIST_FACTOR * k, prefix: 1 });
  funnel.results.forEach((r, q) => {
    const query = x.subarray(q * DIM, (q + 1) * DIM);
    const expected = shortlist.results[q]!.hits.map((h) => ({ id: h.cell_id, d: prefixDistance(query, reference(rowOf(h.cell_id)), 4) })).sort((a, b) => a.d - b.d);
    assert.deepEqual(r.hits.map((h) => h.cell_id), expected.slice(0, k).map((e) => e.id), `query ${q}`);
    r.hits.forEach((h, i) => assert.ok(Math.abs(h.distance - expected[i]!.d) < 1e-5, `query ${q} hit ${i}: ${h.distance} vs ${expected[i]!.d}`));
  });
  assert.equal(funnel.prefix, 4);
  // The data must tell the plans apart: for some queries the prefix's own nearest cells lie outside the shortlist.
  const plain = await svc.search({ embeddings: x, n, k, prefix: 4 });
  const differ = plain.results.filter((r, q) => !r.hits.every((h) => shortlist.results[q]!.hits.some((s) => s.cell_id === h.cell_id))).length;
  assert.ok(differ > 0, 'every plain answer lies inside its shortlist: the test cannot tell funnel from hnsw');
});

test('funnel at the shortest prefix is the plain search; hnsw is the default plan', async () => {
  const { x, n } = heldOut();
  const plain = await svc.search({ embeddings: x, n, k: 5, prefix: 1 });
  const funnel = await svc.search({ embeddings: x, n, k: 5, prefix: 1, plan: 'funnel' });
  assert.deepEqual(funnel.results, plain.results);
  const schemas = createRequestSchemas(svc.manifest, DEFAULT_LIMITS);
  const cell = [Array.from({ length: DIM }, () => 0.5)];
  assert.equal(schemas.parseSearch({ embeddings: cell }).plan, DEFAULT_SEARCH_PLAN);
  assert.equal(schemas.parseSearch({ embeddings: cell, plan: 'funnel', level: 'type' }).plan, 'funnel');
});

test('funnel keeps the filter, cell-id queries and centroid of the plain search', async () => {
  const filter = { include: { level1_system: ['Epithelial'] } };
  const byId = await svc.search({ cellIds: ['cell-300', 'cell-5'], n: 2, k: 8, prefix: 3, plan: 'funnel', filter });
  for (const r of byId.results) for (const h of r.hits) assert.equal(h.level1_system, 'Epithelial');
  const { x, n } = heldOut();
  const centroid = await svc.search({ embeddings: x, n, k: 4, prefix: 2, plan: 'funnel', centroid: true });
  assert.equal(centroid.results.length, 1);
  assert.equal(centroid.results[0]!.hits.length, 4);
});

test('bad plans: unknown (schema and service), and funnel with original', async () => {
  const { x } = heldOut();
  const one = x.slice(0, DIM);
  const schemas = createRequestSchemas(svc.manifest, DEFAULT_LIMITS);
  assert.throws(() => schemas.parseSearch({ embeddings: [Array.from(one)], plan: 'fast' }), (e) => isAtlasError(e, 'invalid_request') && /plan/.test(e.message));
  await assert.rejects(svc.search({ embeddings: one, n: 1, k: 5, plan: 'fast' as SearchPlan }), (e) => isAtlasError(e, 'invalid_argument'));
  await assert.rejects(svc.search({ embeddings: one, n: 1, k: 5, original: true, plan: 'funnel' }), (e) => isAtlasError(e, 'invalid_request') && /original/.test(e.message));
});
