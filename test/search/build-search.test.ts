import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { isAtlasError, LEVEL_COLUMNS } from '../../common/index.js';
import { UNASSIGNED, openAtlasIndex, type AtlasIndexService } from '../../search/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { type IndexManifest } from '../../index-files/index.js';
import { DIM, createFakeAdapter, embeddingOf, labelsOf, rng, writeFakeAdapterFile, writeSyntheticAtlas, type SyntheticAtlas } from './fixtures.js';

let atlas: SyntheticAtlas;
let svc: AtlasIndexService;
let manifest: IndexManifest;
const adapter = createFakeAdapter();

before(async () => {
  atlas = await writeSyntheticAtlas(40, 128);
  const adapterPath = await writeFakeAdapterFile(atlas.dir);
  const out = join(atlas.dir, 'idx');
  const r = await buildAtlasIndex({ referencePath: atlas.path, adapterPath, outDir: out, threads: 1 }, { adapter });
  manifest = r.manifest;
  svc = await openAtlasIndex(out, { adapterPath, workers: 0 }, { adapter });
});

after(async () => {
  await svc?.close();
  await atlas?.cleanup();
});

const row = (i: number) => atlas.embeddings.slice(i * DIM, (i + 1) * DIM);

test('manifest: counts, one prefix index per scale, level → prefix, vocabularies, level table', () => {
  assert.equal(manifest.numCells, 640);
  assert.equal(manifest.inputDim, DIM);
  assert.deepEqual(manifest.prefixes.map((p) => [p.prefix, p.dims, p.vectors]), [[1, 4, 640], [2, 8, 640], [3, 12, 640], [4, 16, 640]]);
  assert.deepEqual(manifest.levelPrefix, { level1_system: 1, level2_lineage: 2, level3_type: 3, level4_subtype: 4 });
  assert.deepEqual([...manifest.vocabularies.level1_system].sort(), ['Epithelial', 'Immune']);
  assert.equal(manifest.vocabularies.level4_subtype.length, 16);
  assert.equal(manifest.levelTable.length, 16);
  assert.equal(manifest.labelCounts.level4_subtype.reduce((a, b) => a + b, 0), 640);
  assert.equal(manifest.clIdVocabulary.length, 15);
  assert.match(manifest.adapter.sha256, /^[0-9a-f]{64}$/);
  assert.match(manifest.atlas.sha256, /^[0-9a-f]{64}$/);
  assert.ok(manifest.outOfReferenceDistance > 0 && manifest.outOfReferenceDistance < 0.1);
  assert.equal(adapter.calls, 640 / 128);
});

test('info lists levels, prefix dims, counts and vocabularies from the manifest', () => {
  const info = svc.info();
  assert.deepEqual(info.levels.map((l) => [l.name, l.prefix, l.dims]), [['system', 1, 4], ['lineage', 2, 8], ['type', 3, 12], ['subtype', 4, 16]]);
  assert.equal(info.num_cells, 640);
  assert.equal(info.label_counts.level1_system.Immune, 320);
  assert.equal(info.original, null);
  assert.equal(svc.ready(), true);
});

test('a reference cell finds itself first at the subtype level, with its labels and CL id', async () => {
  for (const i of [0, 5, 333, 639]) {
    const r = await svc.search({ embeddings: row(i), n: 1, level: 'subtype', k: 5 });
    const hit = r.results[0]!.hits[0]!;
    assert.equal(hit.cell_id, `cell-${i}`);
    assert.ok(hit.distance < 1e-5);
    const s = atlas.subtypes[i]!;
    assert.equal(hit.level4_subtype, labelsOf(s).level4_subtype);
    assert.equal(hit.level1_system, labelsOf(s).level1_system);
    assert.equal(hit.cl_id, s === 15 ? null : `CL:99000${String(s).padStart(2, '0')}`);
    assert.equal(r.prefix, 4);
    assert.equal(r.level, 'level4_subtype');
    assert.equal(r.results[0]!.hits.length, 5);
  }
});

test('levels choose the prefix: at system level all hits share the system, subtypes mix', async () => {
  const r = await svc.search({ embeddings: row(3), n: 1, level: 'system', k: 60, summary: true });
  assert.equal(r.prefix, 1);
  assert.equal(r.dims, 4);
  const summary = r.results[0]!.summary!;
  assert.deepEqual(Object.keys(summary.level1_system), ['Immune']);
  assert.ok(Object.keys(summary.level4_subtype).length > 1, 'the system prefix does not separate subtypes');
  const fine = await svc.search({ embeddings: row(3), n: 1, level: 'subtype', k: 30, summary: true });
  assert.deepEqual(Object.keys(fine.results[0]!.summary!.level4_subtype), ['subtype-3']);
  assert.equal(Object.values(summary.level1_system).reduce((a, b) => a + b, 0), 60);
});

test('filters return k hits whenever k matching cells exist, and only matching cells', async () => {
  const r = await svc.search({ embeddings: row(0), n: 1, level: 'subtype', k: 10, filter: { include: { type: ['type-7'] }, exclude: { subtype: ['subtype-14'] } } });
  const hits = r.results[0]!.hits;
  assert.equal(hits.length, 10);
  for (const h of hits) assert.equal(h.level4_subtype, 'subtype-15');
  // Only 40 cells match: asking for 50 gives all 40.
  const all = await svc.search({ embeddings: row(0), n: 1, level: 'subtype', k: 50, filter: { include: { subtype: ['subtype-15'] } } });
  assert.equal(all.results[0]!.hits.length, 40);
  const sorted = all.results[0]!.hits.map((h) => h.distance);
  assert.deepEqual(sorted, [...sorted].sort((a, b) => a - b));
});

test('max_dist drops farther hits', async () => {
  const r = await svc.search({ embeddings: row(0), n: 1, level: 'subtype', k: 100 });
  const d = r.results[0]!.hits.map((h) => h.distance);
  const cut = d[20]!;
  const m = await svc.search({ embeddings: row(0), n: 1, level: 'subtype', k: 100, maxDist: cut });
  assert.ok(m.results[0]!.hits.length >= 21 && m.results[0]!.hits.length < 100);
  for (const h of m.results[0]!.hits) assert.ok(h.distance <= cut);
});

test('cell-id queries use the stored vectors; centroid searches once with their normalised mean', async () => {
  const r = await svc.search({ cellIds: ['cell-17', 'cell-33'], n: 2, level: 'subtype', k: 3 });
  assert.equal(r.results.length, 2);
  assert.equal(r.results[0]!.hits[0]!.cell_id, 'cell-17');
  assert.equal(r.results[1]!.hits[0]!.cell_id, 'cell-33');
  // cells 1 and 17 are subtype 1: their centroid's neighbours are subtype 1.
  const c = await svc.search({ cellIds: ['cell-1', 'cell-17'], n: 2, level: 'subtype', k: 10, centroid: true });
  assert.equal(c.results.length, 1);
  for (const h of c.results[0]!.hits) assert.equal(h.level4_subtype, 'subtype-1');
  const e = await svc.search({ embeddings: atlas.embeddings.slice(DIM, 2 * DIM * 9), n: 17, level: 'type', k: 5, centroid: true });
  assert.equal(e.results.length, 1);
});

test('original and prefix addressing; unknown level lists the allowed ones', async () => {
  const p = await svc.search({ embeddings: row(0), n: 1, prefix: 2, k: 1 });
  assert.equal(p.prefix, 2);
  assert.equal(p.level, null);
  await assert.rejects(svc.search({ embeddings: row(0), n: 1, level: 'tissue', k: 1 }), (e) => isAtlasError(e, 'unknown_level') && /system, lineage, type, subtype/.test(e.message));
  await assert.rejects(svc.search({ embeddings: row(0), n: 1, prefix: 5, k: 1 }), (e) => isAtlasError(e, 'unknown_level'));
  await assert.rejects(svc.search({ embeddings: row(0), n: 1, original: true, k: 1 }), (e) => isAtlasError(e, 'unknown_level') && /with-original/.test(e.message));
});

test('bad input is rejected by code before any native call', async () => {
  await assert.rejects(svc.search({ embeddings: new Float32Array(DIM - 1), n: 1, k: 1 }), (e) => isAtlasError(e, 'wrong_dimension'));
  const nan = row(0);
  nan[3] = NaN;
  await assert.rejects(svc.search({ embeddings: nan, n: 1, k: 1 }), (e) => isAtlasError(e, 'non_finite'));
  const inf = row(0);
  inf[0] = Infinity;
  await assert.rejects(svc.annotate({ embeddings: inf, n: 1, k: 5, weighting: 'uniform' }), (e) => isAtlasError(e, 'non_finite'));
  for (const k of [0, -1, 1.5, 10_001, NaN]) {
    await assert.rejects(svc.search({ embeddings: row(0), n: 1, k }), (e) => isAtlasError(e, 'k_out_of_range'), `k = ${k}`);
  }
  await assert.rejects(svc.annotate({ embeddings: row(0), n: 1, k: 0, weighting: 'uniform' }), (e) => isAtlasError(e, 'k_out_of_range'));
  await assert.rejects(svc.search({ cellIds: ['cell-1', 'nope'], n: 2, k: 1 }), (e) => isAtlasError(e, 'unknown_cell_id') && /"nope"/.test(e.message));
  await assert.rejects(svc.search({ embeddings: row(0), n: 1, k: 1, filter: { include: { subtype: ['no such'] } } }), (e) => isAtlasError(e, 'unknown_label'));
  await assert.rejects(svc.search({ embeddings: row(0), n: 1, k: 1, filter: { exclude: { organ: ['x'] } } }), (e) => isAtlasError(e, 'unknown_level'));
  await assert.rejects(svc.search({ embeddings: row(0), n: 1, k: 1, level: 'Lineage' }), (e) => isAtlasError(e, 'unknown_level'), 'level names are exact');
});

test('annotate: held-out cells get their labels at every level, consistent with the level table', async () => {
  const r = rng(99);
  const n = 64;
  const x = new Float32Array(n * DIM);
  const truth = Array.from({ length: n }, (_, i) => i % 16);
  truth.forEach((s, i) => x.set(embeddingOf(s, r), i * DIM));
  const res = await svc.annotate({ embeddings: x, n, k: 15, weighting: 'distance' });
  assert.equal(res.cells.length, n);
  assert.deepEqual(res.levels, LEVEL_COLUMNS);
  let correct = 0;
  let outside = 0;
  res.cells.forEach((cell, i) => {
    const want = labelsOf(truth[i]!);
    for (const c of LEVEL_COLUMNS) if (cell.levels[c]!.label === want[c]) correct++;
    const path = LEVEL_COLUMNS.map((c) => manifest.vocabularies[c].indexOf(cell.consistent[c]!.label));
    assert.ok(manifest.levelTable.some((t) => t.every((v, l) => v === path[l])), 'consistent call is a path of the level table');
    if (cell.out_of_reference) outside++;
    assert.equal(cell.levels.level4_subtype!.prefix, 4);
  });
  assert.ok(correct / (n * 4) > 0.95, `accuracy ${correct / (n * 4)}`);
  // The threshold is the reference's 99th percentile of nearest distances: held-out cells drawn like the
  // reference cross it about 1% of the time, not never.
  assert.ok(outside <= 0.05 * n, `${outside} of ${n} held-out cells out of reference`);
  assert.ok(res.timings.totalMs >= 0);
});

test('annotate: far-away cells are out of reference; min_confidence leaves unassigned', async () => {
  const far = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++) far[i] = -embeddingOf(0, rng(5))[i]! + (i % 2 ? 3 : -3);
  const res = await svc.annotate({ embeddings: far, n: 1, k: 20, weighting: 'uniform', minConfidence: 0.999 });
  const cell = res.cells[0]!;
  assert.equal(cell.out_of_reference, true);
  assert.ok(cell.nearest_distance! > manifest.outOfReferenceDistance);
  // a cell between two subtypes: split vote below 0.999 → unassigned from some level down
  const mid = new Float32Array(DIM);
  const a = embeddingOf(0, rng(1), 0);
  const b = embeddingOf(1, rng(2), 0);
  for (let i = 0; i < DIM; i++) mid[i] = (a[i]! + b[i]!) / 2;
  const m = await svc.annotate({ embeddings: mid, n: 1, k: 40, weighting: 'uniform', minConfidence: 0.999 });
  assert.equal(m.cells[0]!.consistent.level1_system!.label, 'Immune');
  assert.equal(m.cells[0]!.consistent.level4_subtype!.label, UNASSIGNED);
  assert.equal(m.cells[0]!.levels.level4_subtype!.label, UNASSIGNED);
});

test('annotate with a filter votes only among matching cells', async () => {
  const res = await svc.annotate({ embeddings: row(0), n: 1, k: 10, weighting: 'uniform', filter: { exclude: { subtype: ['subtype-0'] } } });
  assert.notEqual(res.cells[0]!.levels.level4_subtype!.label, 'subtype-0');
  assert.equal(Object.values(res.cells[0]!.levels.level4_subtype!.hits).reduce((a, b) => a + b, 0), 10);
});

test('close makes the service not ready', async () => {
  const adapterPath = await writeFakeAdapterFile(atlas.dir);
  const s2 = await openAtlasIndex(join(atlas.dir, 'idx'), { adapterPath, workers: 0 }, { adapter });
  await s2.close();
  assert.equal(s2.ready(), false);
  await assert.rejects(s2.search({ embeddings: row(0), n: 1, k: 1 }), (e) => isAtlasError(e, 'not_ready'));
});
