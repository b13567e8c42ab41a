/**
 * Coalescing of concurrent small searches (issue 12): the batching rules on a fake job runner, then the real
 * pooled service, whose concurrent one-cell searches (several batched into one job) must get exactly the
 * answers each gets alone, with bad requests failing alone.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isAtlasError, AtlasError } from '../../common/index.js';
import { IDENTITY_ADAPTER } from '../../adapter/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { openAtlasIndex, type AtlasIndexService, type SearchQuery } from '../../search/index.js';
import { SearchCoalescer, canCoalesce } from '../../search/search-coalescer.js';
import { HERE_MAX_K, cheapHere } from '../../search/runner.js';
import type { EngineSearchRequest, EngineSearchResponse } from '../../search/engine.js';
import { DIM, embeddingOf, rng, writeSyntheticAtlas, type SyntheticAtlas } from './fixtures.js';

/** A one-row request whose single embedding value is `id` (the fake runner answers with it). */
function request(id: number, k = 5): EngineSearchRequest {
  return { embeddings: Float32Array.of(id, 0), n: 1, prefix: 1, k, filter: null, centroid: false, summary: false, serialize: false };
}

/** A fake engine: jobs wait until released; each query's result names its embedding's first value. */
function fakeRunner(fail: (r: EngineSearchRequest) => boolean = () => false) {
  const jobs: { request: EngineSearchRequest; alone: boolean; release(): void }[] = [];
  const run = (r: EngineSearchRequest, alone: boolean) =>
    new Promise<EngineSearchResponse>((resolve, reject) => {
      const answer = () => {
        if (fail(r)) return reject(new AtlasError('internal', `job of ${r.n} failed`));
        const results = Array.from({ length: r.n }, (_, q) => ({ hits: [{ cell_id: `q${r.embeddings![q * 2]}` }] })) as unknown as EngineSearchResponse['results'];
        resolve({ results, encoderMs: 0, adapterMs: 4 * r.n, searchMs: 8 * r.n });
      };
      jobs.push({ request: r, alone, release: answer });
    });
  return { jobs, run };
}

const tick = () => new Promise((r) => setImmediate(r));
const idOf = (r: EngineSearchResponse) => (r.results[0]!.hits[0] as unknown as { cell_id: string }).cell_id;

test('coalescer: while the engine is busy, same-shaped requests wait in one batch that runs as one job', async () => {
  const f = fakeRunner();
  const c = new SearchCoalescer(f.run, 1, () => 64);
  const first = c.submit(request(1));
  const rest = [2, 3, 4].map((i) => c.submit(request(i)));
  const otherK = c.submit(request(5, 7));
  assert.equal(f.jobs.length, 1);
  assert.equal(f.jobs[0]!.alone, true);
  f.jobs[0]!.release();
  assert.equal(idOf(await first), 'q1');
  await tick();
  // The batch of k = 5 went out as one job of 3 rows, in order; the k = 7 request waits for its own.
  assert.equal(f.jobs.length, 2);
  assert.equal(f.jobs[1]!.request.n, 3);
  assert.deepEqual(Array.from(f.jobs[1]!.request.embeddings!), [2, 0, 3, 0, 4, 0]);
  assert.equal(f.jobs[1]!.alone, false);
  f.jobs[1]!.release();
  const answers = await Promise.all(rest);
  assert.deepEqual(answers.map(idOf), ['q2', 'q3', 'q4']);
  // Each member reports its share of the job's time.
  assert.deepEqual(answers.map((a) => [a.adapterMs, a.searchMs]), [[4, 8], [4, 8], [4, 8]]);
  await tick();
  assert.equal(f.jobs.length, 3);
  f.jobs[2]!.release();
  assert.equal(idOf(await otherK), 'q5');
});

test('coalescer: a batch holds at most maxRows queries', async () => {
  const f = fakeRunner();
  const c = new SearchCoalescer(f.run, 1, () => 2);
  const all = [1, 2, 3, 4, 5].map((i) => c.submit(request(i)));
  for (let j = 0; j < 3; j++) {
    f.jobs[j]!.release();
    await tick();
  }
  assert.deepEqual(f.jobs.map((j) => j.request.n), [1, 2, 2]);
  assert.deepEqual((await Promise.all(all)).map(idOf), ['q1', 'q2', 'q3', 'q4', 'q5']);
});

test('coalescer: when a batch fails, its members run alone and only the failing one rejects', async () => {
  // Any job holding query 3 fails: the batch, then query 3 alone.
  const f = fakeRunner((r) => Array.from(r.embeddings!).includes(3));
  const c = new SearchCoalescer(f.run, 1, () => 64);
  const first = c.submit(request(1));
  const batch = Promise.allSettled([2, 3, 4].map((i) => c.submit(request(i))));
  f.jobs[0]!.release();
  await first;
  await tick();
  f.jobs[1]!.release();
  for (let j = 2; j < 5; j++) {
    await tick();
    f.jobs[j]!.release();
  }
  const [a, b, d] = await batch;
  assert.equal(a.status === 'fulfilled' && idOf(a.value), 'q2');
  assert.ok(b.status === 'rejected' && isAtlasError(b.reason, 'internal'));
  assert.equal(d.status === 'fulfilled' && idOf(d.value), 'q4');
  assert.deepEqual(f.jobs.map((j) => j.request.n), [1, 3, 1, 1, 1]);
});

test('coalescer: only plain small embedding searches coalesce', () => {
  const base = request(1);
  assert.equal(canCoalesce(base, 64), true);
  assert.equal(canCoalesce({ ...base, centroid: true }, 64), false);
  assert.equal(canCoalesce({ ...base, rows: Int32Array.of(3), embeddings: undefined }, 64), false);
  assert.equal(canCoalesce({ ...base, filter: {} as EngineSearchRequest['filter'] }, 64), false);
  assert.equal(canCoalesce({ ...base, n: 65 }, 64), false);
  // The calling thread takes one query at the index's beam and a modest k only.
  assert.equal(cheapHere(base, 64), true);
  assert.equal(cheapHere({ ...base, ef: 64 }, 64), true);
  assert.equal(cheapHere({ ...base, ef: 32 }, 64), false);
  assert.equal(cheapHere({ ...base, k: HERE_MAX_K + 1 }, 64), false);
  assert.equal(cheapHere({ ...base, n: 2 }, 64), false);
});

let atlas: SyntheticAtlas;
let pooled: AtlasIndexService;

before(async () => {
  atlas = await writeSyntheticAtlas(40, 256);
  const out = `${atlas.dir}/idx`;
  // One build thread: the same graph every run, so the answers compared below are reproducible.
  await buildAtlasIndex({ referencePath: atlas.path, adapterPath: IDENTITY_ADAPTER, outDir: out, threads: 1 });
  pooled = await openAtlasIndex(out, { adapterPath: IDENTITY_ADAPTER, workers: 2 });
});

after(async () => {
  await pooled?.close();
  await atlas?.cleanup();
});

/** An answer without its timings (which differ run to run). */
function answerOf(r: { timings: unknown }): unknown {
  const { timings: _t, ...rest } = r;
  return rest;
}

// Alone, each search finds the service idle and runs on the main thread's engine; together, most run in
// batches on the workers: the answers must not depend on the path.
test('pooled service: concurrent one-cell searches get the answers each gets alone; bad ones fail alone', async () => {
  const r = rng(11);
  const queries: SearchQuery[] = Array.from({ length: 40 }, (_, i) => ({ embeddings: embeddingOf(i % 16, r, 0.2), n: 1, k: 1 + (i % 3) * 4, summary: i % 5 === 0 }));
  const json = (q: SearchQuery) => pooled.searchJson!(q).then((s) => answerOf(JSON.parse(s.json)));
  const plain = (q: SearchQuery) => pooled.search(q).then((s) => answerOf(JSON.parse(JSON.stringify(s))));
  const alone: unknown[] = [];
  for (const [i, q] of queries.entries()) alone.push(await (i % 2 ? json : plain)({ ...q, embeddings: q.embeddings!.slice() }));
  const bad: SearchQuery[] = [
    { embeddings: new Float32Array(DIM - 1), n: 1, k: 3 },
    { embeddings: Float32Array.from({ length: DIM }, (_, d) => (d === 2 ? NaN : 1)), n: 1, k: 3 },
  ];
  const together = await Promise.allSettled([...queries.map((q, i) => (i % 2 ? json : plain)(q)), ...bad.map((q) => pooled.search(q))]);
  together.slice(0, queries.length).forEach((t, i) => {
    assert.equal(t.status, 'fulfilled', `query ${i}`);
    assert.deepEqual((t as PromiseFulfilledResult<unknown>).value, alone[i], `query ${i}`);
  });
  const [short, nan] = together.slice(queries.length);
  assert.ok(short!.status === 'rejected' && isAtlasError(short!.reason, 'wrong_dimension'), String((short as PromiseRejectedResult).reason));
  assert.ok(nan!.status === 'rejected' && isAtlasError(nan!.reason, 'non_finite'), String((nan as PromiseRejectedResult).reason));
});
