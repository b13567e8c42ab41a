import assert from 'node:assert/strict';
import { cp, readFile, readdir, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { IDENTITY_ADAPTER, type Adapter } from '../../adapter/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { openAtlasIndex } from '../../search/index.js';
import { DIM, createFakeAdapter, writeFakeAdapterFile, writeSyntheticAtlas, type SyntheticAtlas } from './fixtures.js';

let atlas: SyntheticAtlas;
let idx: string;

before(async () => {
  atlas = await writeSyntheticAtlas(10, 64);
  idx = join(atlas.dir, 'idx');
  await buildAtlasIndex({ referencePath: atlas.path, adapterPath: IDENTITY_ADAPTER, outDir: idx, threads: 1 });
});

after(async () => {
  await atlas?.cleanup();
});

async function copyIndex(name: string): Promise<string> {
  const dst = join(atlas.dir, name);
  await cp(idx, dst, { recursive: true });
  return dst;
}

test('the identity index opens and serves every level from prefix 1', async () => {
  const svc = await openAtlasIndex(idx, { adapterPath: IDENTITY_ADAPTER, workers: 0 });
  try {
    assert.deepEqual(svc.manifest.levelPrefix, { level1_system: 1, level2_lineage: 1, level3_type: 1, level4_subtype: 1 });
    assert.equal(svc.manifest.adapter.identity, true);
    assert.equal(svc.manifest.prefixes.length, 1);
    const r = await svc.search({ embeddings: atlas.embeddings.slice(0, DIM), n: 1, level: 'lineage', k: 1 });
    assert.equal(r.prefix, 1);
    assert.equal(r.results[0]!.hits[0]!.cell_id, 'cell-0');
  } finally {
    await svc.close();
  }
});

test('a different adapter is refused with one index_mismatch message naming both', async () => {
  const other = await writeFakeAdapterFile(atlas.dir, 'some other adapter');
  await assert.rejects(
    openAtlasIndex(idx, { adapterPath: other, workers: 0 }),
    (e) => isAtlasError(e, 'index_mismatch') && /built with adapter identity/.test(e.message) && e.message.includes(other),
  );
});

test('missing folder is file_not_found; missing or foreign manifest is index_mismatch', async () => {
  await assert.rejects(openAtlasIndex(join(atlas.dir, 'nope'), { adapterPath: IDENTITY_ADAPTER, workers: 0 }), (e) => isAtlasError(e, 'file_not_found'));
  const noManifest = await copyIndex('no-manifest');
  await unlink(join(noManifest, 'manifest.json'));
  await assert.rejects(openAtlasIndex(noManifest, { adapterPath: IDENTITY_ADAPTER, workers: 0 }), (e) => isAtlasError(e, 'index_mismatch') && /interrupted build/.test(e.message));
  const future = await copyIndex('future');
  const m = JSON.parse(await readFile(join(future, 'manifest.json'), 'utf8'));
  await writeFile(join(future, 'manifest.json'), JSON.stringify({ ...m, formatVersion: 99 }));
  await assert.rejects(openAtlasIndex(future, { adapterPath: IDENTITY_ADAPTER, workers: 0 }), (e) => isAtlasError(e, 'index_mismatch') && /format version 99/.test(e.message));
  const garbage = await copyIndex('garbage');
  await writeFile(join(garbage, 'manifest.json'), '{not json');
  await assert.rejects(openAtlasIndex(garbage, { adapterPath: IDENTITY_ADAPTER, workers: 0 }), (e) => isAtlasError(e, 'index_mismatch'));
});

test('a truncated or missing index file is refused before usearch sees it', async () => {
  const cut = await copyIndex('truncated');
  await truncate(join(cut, 'prefix-1.usearch'), 100);
  await assert.rejects(openAtlasIndex(cut, { adapterPath: IDENTITY_ADAPTER, workers: 0 }), (e) => isAtlasError(e, 'index_mismatch') && /prefix-1\.usearch has 100 bytes/.test(e.message));
  const gone = await copyIndex('gone');
  await unlink(join(gone, 'cellid-hash.bin'));
  await assert.rejects(openAtlasIndex(gone, { adapterPath: IDENTITY_ADAPTER, workers: 0 }), (e) => isAtlasError(e, 'index_mismatch') && /cellid-hash\.bin is missing/.test(e.message));
  const lying = await copyIndex('lying');
  const m = JSON.parse(await readFile(join(lying, 'manifest.json'), 'utf8'));
  m.prefixes[0].vectors = 7;
  await writeFile(join(lying, 'manifest.json'), JSON.stringify(m));
  await assert.rejects(openAtlasIndex(lying, { adapterPath: IDENTITY_ADAPTER, workers: 0 }), (e) => isAtlasError(e, 'index_mismatch'));
  const beams = await copyIndex('beams');
  const b = JSON.parse(await readFile(join(beams, 'manifest.json'), 'utf8'));
  b.beams = { recallTarget: 0.9, queries: 'reflected', sample: 10, entries: [{ prefix: 1, k: 10, ef: 16, recall: 1 }, { prefix: 3, k: 10, ef: 16, recall: 1 }] };
  await writeFile(join(beams, 'manifest.json'), JSON.stringify(b));
  await assert.rejects(openAtlasIndex(beams, { adapterPath: IDENTITY_ADAPTER, workers: 0 }), (e) => isAtlasError(e, 'index_mismatch') && /beams name prefix 3, the index has prefixes 1\.\.1/.test(e.message));
  b.beams.entries.pop();
  b.beams.recallTarget = 1.5;
  await writeFile(join(beams, 'manifest.json'), JSON.stringify(b));
  await assert.rejects(openAtlasIndex(beams, { adapterPath: IDENTITY_ADAPTER, workers: 0 }), (e) => isAtlasError(e, 'index_mismatch') && /beams\.recallTarget/.test(e.message));
});

test('build refuses an existing folder unless asked to overwrite, and an adapter of the wrong input dim', async () => {
  await assert.rejects(buildAtlasIndex({ referencePath: atlas.path, adapterPath: IDENTITY_ADAPTER, outDir: idx }), (e) => isAtlasError(e, 'invalid_argument') && /overwrite/.test(e.message));
  const adapterPath = await writeFakeAdapterFile(atlas.dir, 'narrow');
  const narrow: Adapter = { ...createFakeAdapter(), inputDim: 8 };
  const out = join(atlas.dir, 'narrow-idx');
  await assert.rejects(buildAtlasIndex({ referencePath: atlas.path, adapterPath, outDir: out }, { adapter: narrow }), (e) => isAtlasError(e, 'wrong_dimension'));
  assert.deepEqual((await readdir(atlas.dir)).filter((f) => f.includes('narrow-idx')), []);
});

test('--overwrite replaces an index; --with-original adds a searchable original index; beams calibrate an f16 index', async () => {
  const out = await copyIndex('rebuilt');
  const adapterPath = await writeFakeAdapterFile(atlas.dir);
  const adapter = createFakeAdapter();
  await buildAtlasIndex({ referencePath: atlas.path, adapterPath, outDir: out, overwrite: true, withOriginal: true, quantization: 'f16', recallTarget: 0.9 }, { adapter });
  const svc = await openAtlasIndex(out, { adapterPath, workers: 0 }, { adapter });
  try {
    assert.equal(svc.manifest.numScales, 4);
    assert.equal(svc.manifest.quantization, 'f16');
    assert.deepEqual(svc.info().original, { dims: DIM, vectors: 160 });
    const beams = svc.info().build.beams!;
    assert.deepEqual([beams.recall_target, beams.queries], [0.9, 'reflected']);
    // Every prefix at every calibrated k; the original index keeps expansion_search.
    assert.deepEqual(beams.entries.map((e) => `${e.prefix}:${e.k}`), [1, 2, 3, 4].flatMap((j) => [10, 50, 100].map((k) => `${j}:${k}`)));
    assert.ok(beams.entries.every((e) => e.recall >= 0.9 || e.ef === 512), JSON.stringify(beams.entries));
    const r = await svc.search({ cellIds: ['cell-42'], n: 1, original: true, k: 2 });
    assert.equal(r.prefix, 0);
    assert.equal(r.dims, DIM);
    assert.equal(r.results[0]!.hits[0]!.cell_id, 'cell-42');
  } finally {
    await svc.close();
  }
  assert.deepEqual((await readdir(atlas.dir)).filter((f) => f.startsWith('.rebuilt')), []);
});

test('an i8-quantized index builds, opens and finds a reference cell first', async () => {
  const out = join(atlas.dir, 'i8');
  await buildAtlasIndex({ referencePath: atlas.path, adapterPath: IDENTITY_ADAPTER, outDir: out, quantization: 'i8', connectivity: 8, threads: 1 });
  const svc = await openAtlasIndex(out, { adapterPath: IDENTITY_ADAPTER, workers: 0 });
  try {
    assert.equal(svc.info().build.quantization, 'i8');
    const r = await svc.search({ cellIds: ['cell-77'], n: 1, k: 3 });
    assert.equal(r.results[0]!.hits[0]!.cell_id, 'cell-77');
  } finally {
    await svc.close();
  }
});

test('build refuses an atlas with repeated cell ids, naming one and the count, and leaves no folder', async () => {
  const dup = await writeSyntheticAtlas(10, 64, 7, (row) => (row === 150 ? 'cell-3' : row === 151 ? 'cell-99' : `cell-${row}`));
  try {
    const out = join(dup.dir, 'idx');
    await assert.rejects(
      buildAtlasIndex({ referencePath: dup.path, adapterPath: IDENTITY_ADAPTER, outDir: out, threads: 1 }),
      (e) => isAtlasError(e, 'invalid_atlas') && /cell id "cell-(3|99)" appears at rows \d+ and 15[01] \(2 rows repeat an earlier id\); cell ids must be unique/.test(e.message),
    );
    assert.deepEqual((await readdir(dup.dir)).filter((f) => f.includes('idx')), []);
  } finally {
    await dup.cleanup();
  }
});
