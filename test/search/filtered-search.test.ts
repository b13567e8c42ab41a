import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SubsetCache, exactSubset, searchFiltered, type SearchSpace } from '../../search/filtered-search.js';
import { VectorIndex } from '../../index-files/usearch-io.js';
import { VectorFile } from '../../index-files/vector-file.js';
import { l2NormalizeRows } from '../../adapter/index.js';
import { rng } from './fixtures.js';

const N = 3000;
const DIMS = 8;
let dir: string;
let space: SearchSpace;
let data: Float32Array;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fa-filter-'));
  const r = rng(3);
  data = Float32Array.from({ length: N * DIMS }, () => r() * 2 - 1);
  await writeFile(join(dir, 'v.f32'), new Uint8Array(data.buffer));
  const index = VectorIndex.create({ dims: DIMS, quantization: 'f32', connectivity: 16, expansionAdd: 64, expansionSearch: 64 });
  index.add(0, l2NormalizeRows(data, N, DIMS, DIMS), 1);
  space = { index, vectors: new VectorFile(join(dir, 'v.f32'), DIMS, N), dims: DIMS };
});

after(async () => {
  space?.vectors.close();
  await rm(dir, { recursive: true, force: true });
});

/** Brute-force k nearest rows among those passing `keep`, by cosine distance. */
function truth(q: Float32Array, k: number, keep: (row: number) => boolean): number[] {
  const unit = l2NormalizeRows(data, N, DIMS, DIMS);
  const qn = l2NormalizeRows(q, 1, DIMS, DIMS);
  const scored: [number, number][] = [];
  for (let r = 0; r < N; r++) {
    if (!keep(r)) continue;
    let dot = 0;
    for (let c = 0; c < DIMS; c++) dot += unit[r * DIMS + c]! * qn[c]!;
    scored.push([1 - dot, r]);
  }
  return scored.sort((a, b) => a[0] - b[0]).slice(0, k).map((s) => s[1]);
}

function maskOf(keep: (row: number) => boolean) {
  const mask = new Uint8Array(N);
  let count = 0;
  for (let r = 0; r < N; r++) if (keep(r)) (mask[r] = 1), count++;
  return { mask, count };
}

const queries = () => {
  const r = rng(11);
  return l2NormalizeRows(Float32Array.from({ length: 5 * DIMS }, () => r() * 2 - 1), 5, DIMS, DIMS);
};

test('small subsets are searched exactly', () => {
  const keep = (r: number) => r % 50 === 0; // 60 rows
  const q = queries();
  const res = searchFiltered(space, q, 10, maskOf(keep), 1);
  for (let i = 0; i < 5; i++) {
    const got = Array.from(res.rows.subarray(i * 10, i * 10 + 10));
    assert.deepEqual(got, truth(q.subarray(i * DIMS, (i + 1) * DIMS), 10, keep));
  }
});

test('large subsets oversample the HNSW index and still return k matching hits', () => {
  const keep = (r: number) => r % 7 === 0; // 429 rows
  const q = queries();
  const res = searchFiltered(space, q, 20, maskOf(keep), 1, { exactSubsetRows: 100, oversampleMaxK: 100_000 });
  let recall = 0;
  for (let i = 0; i < 5; i++) {
    const got = Array.from(res.rows.subarray(i * 20, i * 20 + 20));
    assert.equal(got.filter((r) => r >= 0).length, 20);
    for (const r of got) assert.ok(keep(r), `row ${r} does not match the filter`);
    const want = new Set(truth(q.subarray(i * DIMS, (i + 1) * DIMS), 20, keep));
    recall += got.filter((r) => want.has(r)).length / 20;
  }
  assert.ok(recall / 5 >= 0.9, `recall ${recall / 5}`);
});

test('when oversampling is capped, the exact fallback still fills k', () => {
  const keep = (r: number) => r % 3 === 0 && r > 2000; // 333 rows, all in the tail
  const q = queries();
  const res = searchFiltered(space, q, 50, maskOf(keep), 1, { exactSubsetRows: 10, oversampleMaxK: 60 });
  for (let i = 0; i < 5; i++) {
    const got = Array.from(res.rows.subarray(i * 50, i * 50 + 50));
    assert.deepEqual(got, truth(q.subarray(i * DIMS, (i + 1) * DIMS), 50, keep));
  }
});

test('exact subset search merges chunks into the global k best', () => {
  const keep = () => true;
  const q = queries();
  const res = exactSubset(space, q, 7, maskOf(keep), 1);
  assert.deepEqual(Array.from(res.rows.subarray(0, 7)), truth(q.subarray(0, DIMS), 7, keep));
});

test('an empty filter gives no hits; k above the subset size gives the whole subset', () => {
  const q = queries();
  const none = searchFiltered(space, q, 5, maskOf(() => false), 1);
  assert.ok(none.rows.every((r) => r === -1));
  const few = searchFiltered(space, q, 10, maskOf((r) => r < 4), 1);
  assert.deepEqual(Array.from(few.rows.subarray(0, 10)).filter((r) => r >= 0).sort(), [0, 1, 2, 3]);
});

test('a cached subset gives the same exact results as the streamed scan, and is reused', () => {
  const keep = (r: number) => r % 13 === 0;
  const cache = new SubsetCache();
  const cachedSpace: SearchSpace = { ...space, subsets: cache };
  const mask = { ...maskOf(keep), key: 'r%13' };
  const q = queries();
  const a = searchFiltered(cachedSpace, q, 12, mask, 1);
  const b = searchFiltered(space, q, 12, maskOf(keep), 1);
  assert.deepEqual(Array.from(a.rows), Array.from(b.rows));
  assert.equal(cache.get(cachedSpace, mask), cache.get(cachedSpace, mask));
  for (let i = 0; i < 5; i++) assert.deepEqual(Array.from(a.rows.subarray(i * 12, (i + 1) * 12)), truth(q.subarray(i * DIMS, (i + 1) * DIMS), 12, keep));
});
