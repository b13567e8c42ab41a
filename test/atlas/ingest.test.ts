import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCliInProcess } from '../support/run-cli.js';
import hnswlib from 'hnswlib-node';
import { SHARED_OBO_PATH, isAtlasError, LEVEL_COLUMNS } from '../../common/index.js';
import type { HierarchyRow } from '../../ontology/index.js';
import { ingestScimilarity, openAtlas, openHnswlibFile, parseLabelInts, readReferenceLabels } from '../../atlas/index.js';
import { uniformStream } from '../support/random.js';

const root = mkdtempSync(join(tmpdir(), 'atlas-ingest-'));
after(() => rmSync(root, { recursive: true, force: true }));


const LABELS = ['classical monocyte', 'fibroblast', 'B cell', 'neuron', 'endothelial cell'];
const FAKE_HIERARCHY = new Map<string, HierarchyRow>(
  LABELS.map((l, i) => [l, { cl_id: i === 4 ? null : `CL:000000${i}`, level1_system: `sys${i % 2}`, level2_lineage: `lin${i % 3}`, level3_type: `type${i}`, level4_subtype: l }]),
);

interface Fixture {
  dir: string;
  vectors: Float32Array[]; // by label
  labels: string[]; // by label
}

/**
 * Writes a SCimilarity-like folder: an hnswlib index whose points are added in shuffled label order (so
 * internal ids differ from labels), reference_labels.tsv and label_ints.csv.
 */
function makeFixture(name: string, opts: { n: number; dim: number; space: 'l2' | 'cosine'; seed: number; layout?: 'nested' | 'flat' }): Fixture {
  const dir = join(root, name);
  const ann = opts.layout === 'flat' ? dir : join(dir, 'annotation');
  mkdirSync(ann, { recursive: true });
  const rnd = uniformStream(opts.seed);
  const labels = Array.from({ length: opts.n }, (_, i) => LABELS[Math.floor(rnd() * LABELS.length)]!);
  labels[0] = LABELS[4]!;
  const raw = Array.from({ length: opts.n }, () => Array.from({ length: opts.dim }, () => rnd() * 4 - 2));
  const index = new hnswlib.HierarchicalNSW(opts.space, opts.dim);
  index.initIndex(opts.n, 8, 50, 7);
  const order = Array.from({ length: opts.n }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  for (const label of order) index.addPoint(raw[label]!, label);
  index.writeIndexSync(join(ann, 'labelled_kNN.bin'));
  // What hnswlib stores (normalised for cosine), as float32.
  const vectors = raw.map((_, label) => Float32Array.from(index.getPoint(label)));
  writeFileSync(join(ann, 'reference_labels.tsv'), labels.join('\n'));
  writeFileSync(join(dir, 'label_ints.csv'), `,0\n${LABELS.map((l, i) => `${i},${l.includes(',') ? `"${l}"` : l}`).join('\n')}\n`);
  return { dir, vectors, labels };
}

async function checkAtlas(path: string, fx: Fixture, dim: number): Promise<void> {
  const reader = await openAtlas(path);
  assert.equal(reader.numRows, fx.labels.length);
  assert.equal(reader.dim, dim);
  assert.ok(reader.hasClIds);
  for await (const b of reader.batches()) {
    for (let i = 0; i < b.numRows; i++) {
      const label = b.rowOffset + i;
      assert.deepEqual(b.embeddings.subarray(i * dim, (i + 1) * dim), fx.vectors[label], `vector of label ${label}`);
      const want = FAKE_HIERARCHY.get(fx.labels[label]!)!;
      for (const c of LEVEL_COLUMNS) assert.equal(b.levels[c].dictionary[b.levels[c].codes[i]!], want[c]);
      assert.equal(b.clIds!.dictionary[b.clIds!.codes[i]!], want.cl_id ?? '');
      assert.equal(b.cellIds[i], String(label));
    }
  }
}

test('ingest: l2 index, points added out of label order, vectors and labels round-trip exactly', async () => {
  const fx = makeFixture('l2', { n: 700, dim: 9, space: 'l2', seed: 1 });
  const out = join(root, 'l2.parquet');
  const result = await ingestScimilarity({ scimilarityDir: fx.dir, hierarchy: FAKE_HIERARCHY, out, rowGroupSize: 128 });
  assert.equal(result.dim, 9);
  assert.equal(result.summary.rows, 700);
  assert.equal(result.summary.classesPerLevel.level4_subtype, 5);
  assert.equal(result.summary.cellsPerSystem.reduce((s, x) => s + x.cells, 0), 700);
  assert.equal(result.summary.cellsPerSystem.find((x) => x.system === 'sys0')!.cells, fx.labels.filter((l) => LABELS.indexOf(l) % 2 === 0).length);
  assert.equal((await openAtlas(out)).numRowGroups, 6);
  await checkAtlas(out, fx, 9);
  // tiny row groups: each group's elements lie far apart in the file (separate reads, not one span)
  const sparse = join(root, 'l2-sparse.parquet');
  await ingestScimilarity({ scimilarityDir: fx.dir, hierarchy: FAKE_HIERARCHY, out: sparse, rowGroupSize: 5 });
  await checkAtlas(sparse, fx, 9);
});

test('ingest: cosine index keeps hnswlib normalised vectors; annotation folder given directly', async () => {
  const fx = makeFixture('cos', { n: 150, dim: 16, space: 'cosine', seed: 2, layout: 'flat' });
  const out = join(root, 'cos.parquet');
  await ingestScimilarity({ scimilarityDir: fx.dir, hierarchy: FAKE_HIERARCHY, out, rowGroupSize: 1000, compression: 'snappy' });
  await checkAtlas(out, fx, 16);
  const first = fx.vectors[0]!;
  assert.ok(Math.abs(Math.hypot(...first) - 1) < 1e-5, 'cosine vectors are unit length');
});

test('hnswlib reader: header fields and label map', async () => {
  const fx = makeFixture('hdr', { n: 40, dim: 5, space: 'l2', seed: 3 });
  const file = await openHnswlibFile(join(fx.dir, 'annotation', 'labelled_kNN.bin'));
  try {
    assert.equal(file.header.dim, 5);
    assert.equal(file.header.elementCount, 40);
    assert.equal(file.header.M, 8);
    assert.equal(file.header.maxM0, 16);
    const map = await file.mapLabels(40);
    assert.deepEqual([...map].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
    await assert.rejects(file.mapLabels(39), (e) => isAtlasError(e, 'invalid_hnswlib') && /only 39 reference labels/.test(e.message));
    await assert.rejects(file.mapLabels(41), (e) => isAtlasError(e, 'invalid_hnswlib') && /40 vectors for 41/.test(e.message));
  } finally {
    await file.close();
  }
});

test('corrupt, truncated and mismatched hnswlib files are invalid_hnswlib; nothing is written', async () => {
  const fx = makeFixture('bad', { n: 60, dim: 4, space: 'l2', seed: 4 });
  const bin = join(fx.dir, 'annotation', 'labelled_kNN.bin');
  const good = readFileSync(bin);
  const out = join(root, 'bad.parquet');
  const run = () => ingestScimilarity({ scimilarityDir: fx.dir, hierarchy: FAKE_HIERARCHY, out });

  writeFileSync(bin, good.subarray(0, 96 + 30 * 10));
  await assert.rejects(run(), (e) => isAtlasError(e, 'invalid_hnswlib') && /truncated/.test(e.message));
  writeFileSync(bin, good.subarray(0, 50));
  await assert.rejects(run(), (e) => isAtlasError(e, 'invalid_hnswlib'));
  const corrupt = Buffer.from(good);
  corrupt.writeBigUInt64LE(12345n, 40); // offsetData
  writeFileSync(bin, corrupt);
  await assert.rejects(run(), (e) => isAtlasError(e, 'invalid_hnswlib') && /offsetData/.test(e.message));
  writeFileSync(bin, 'not an index');
  await assert.rejects(run(), (e) => isAtlasError(e, 'invalid_hnswlib'));

  writeFileSync(bin, good);
  writeFileSync(join(fx.dir, 'annotation', 'reference_labels.tsv'), [...fx.labels, 'B cell'].join('\n'));
  await assert.rejects(run(), (e) => isAtlasError(e, 'invalid_hnswlib') && /60 vectors for 61/.test(e.message));
  assert.equal(existsSync(out), false);

  writeFileSync(join(fx.dir, 'annotation', 'reference_labels.tsv'), [...fx.labels.slice(0, 59), 'platypus cell'].join('\n'));
  await assert.rejects(run(), (e) => isAtlasError(e, 'invalid_argument') && /platypus cell/.test(e.message));
  rmSync(bin);
  await assert.rejects(run(), (e) => isAtlasError(e, 'file_not_found') && /labelled_kNN\.bin/.test(e.message));
});

test('label_ints.csv and reference_labels.tsv parsing', async () => {
  assert.deepEqual(parseLabelInts(',0\n1,"cell, with comma"\n0,B cell\n2,"say ""hi"""\n'), ['B cell', 'cell, with comma', 'say "hi"']);
  assert.throws(() => parseLabelInts(',0\n0,a\n2,b\n'), (e) => isAtlasError(e, 'invalid_argument') && /missing 1/.test(e.message));
  const p = join(root, 'labels.tsv');
  writeFileSync(p, 'a\r\nb\na\n');
  const r = await readReferenceLabels(p);
  assert.deepEqual([...r.codes], [0, 1, 0]);
  assert.deepEqual(r.vocabulary, ['a', 'b']);
});

test('CLI ingest with the real Cell Ontology: levels attached; unmapped labels listed together', { skip: !existsSync(SHARED_OBO_PATH) && 'no shared cl-basic.obo' }, async () => {
  const fx = makeFixture('cli', { n: 50, dim: 6, space: 'cosine', seed: 5 });
  const out = join(root, 'cli.parquet');
  const ok = await runCliInProcess(['ingest', '--scimilarity-dir', fx.dir, '--obo', SHARED_OBO_PATH, '--out', out]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /rows: 50/);
  assert.match(ok.stdout, /Immune/);
  assert.match(ok.stdout, /rows\/s/);

  const labelsPath = join(fx.dir, 'annotation', 'reference_labels.tsv');
  const bad = [...fx.labels];
  bad[3] = 'platypus cell';
  bad[7] = 'unicorn cell';
  writeFileSync(labelsPath, bad.join('\n'));
  writeFileSync(join(fx.dir, 'label_ints.csv'), `,0\n${[...LABELS, 'platypus cell', 'unicorn cell'].map((l, i) => `${i},${l}`).join('\n')}\n`);
  const out2 = join(root, 'cli-bad.parquet');
  const r = await runCliInProcess(['ingest', '--scimilarity-dir', fx.dir, '--obo', SHARED_OBO_PATH, '--out', out2]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^fractal-atlas: 2 label\(s\) could not be mapped.*platypus cell.*unicorn cell/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.equal(existsSync(out2), false);
});

test('atlas check of the CLI output', { skip: !existsSync(SHARED_OBO_PATH) && 'no shared cl-basic.obo' }, async () => {
  const reader = await openAtlas(join(root, 'cli.parquet'));
  const b = await reader.readRowGroup(0);
  const i = b.levels.level4_subtype.dictionary.indexOf('classical monocyte');
  assert.ok(i >= 0);
  const row = b.levels.level4_subtype.codes.indexOf(i);
  assert.equal(b.levels.level1_system.dictionary[b.levels.level1_system.codes[row]!], 'Immune');
  assert.equal(b.levels.level2_lineage.dictionary[b.levels.level2_lineage.codes[row]!], 'Myeloid');
  assert.equal(b.clIds!.dictionary[b.clIds!.codes[row]!], 'CL:0000860');
});

test('CLI ingest with --label-map and --subtype-names cl: lab labels and CL ids are accepted', { skip: !existsSync(SHARED_OBO_PATH) && 'no shared cl-basic.obo' }, async () => {
  const fx = makeFixture('cli-map', { n: 40, dim: 6, space: 'cosine', seed: 9 });
  const lab: Record<string, string> = { 'classical monocyte': 'CD14+ Mono', fibroblast: 'Fibroblasts', 'B cell': 'CL_0000236' };
  const labels = fx.labels.map((l) => lab[l] ?? l);
  writeFileSync(join(fx.dir, 'annotation', 'reference_labels.tsv'), labels.join('\n'));
  writeFileSync(join(fx.dir, 'label_ints.csv'), `,0\n${[...new Set(labels)].map((l, i) => `${i},${l}`).join('\n')}\n`);
  const map = join(root, 'lab-map.tsv');
  writeFileSync(map, 'CD14+ Mono\tCL:0000860\nFibroblasts\tfibroblast\n');
  const out = join(root, 'cli-map.parquet');
  const args = ['ingest', '--scimilarity-dir', fx.dir, '--obo', SHARED_OBO_PATH, '--out', out];
  const unmapped = await runCliInProcess(args);
  assert.equal(unmapped.status, 1);
  // Listed in the order the rows first name them (the generated rows' order), each with its suggestions.
  assert.match(unmapped.stderr, /^fractal-atlas: 2 label\(s\) could not be mapped/);
  assert.match(unmapped.stderr, /"CD14\+ Mono" \(did you mean "CD14-positive monocyte" CL:0001054/);
  assert.match(unmapped.stderr, /"Fibroblasts" \(did you mean "fibroblast" CL:0000057/);
  assert.equal(existsSync(out), false);
  const ok = await runCliInProcess([...args, '--label-map', map, '--subtype-names', 'cl']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /categories per level: system \d+, lineage \d+, type \d+, subtype 5\n/);
  const reader = await openAtlas(out);
  const b = await reader.readRowGroup(0);
  const subtypes = new Set(b.levels.level4_subtype.dictionary);
  for (const name of ['classical monocyte', 'fibroblast', 'B cell']) assert.ok(subtypes.has(name), name);
  const row = b.levels.level4_subtype.codes.indexOf(b.levels.level4_subtype.dictionary.indexOf('classical monocyte'));
  assert.equal(b.clIds!.dictionary[b.clIds!.codes[row]!], 'CL:0000860');
});
