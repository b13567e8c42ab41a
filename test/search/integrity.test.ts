import assert from 'node:assert/strict';
import { cp, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import type { Adapter as EmbeddingAdapter } from '../../adapter/index.js';
import { verifyIndex, type VerifyMode } from '../../index-files/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { openAtlasIndex } from '../../search/index.js';
import { createFakeAdapter, writeFakeAdapterFile, writeSyntheticAtlas, type SyntheticAtlas } from './fixtures.js';

let atlas: SyntheticAtlas;
let idx: string;
let adapterPath: string;
let adapter: EmbeddingAdapter;
let copies = 0;

before(async () => {
  atlas = await writeSyntheticAtlas(10, 64);
  idx = join(atlas.dir, 'idx');
  adapterPath = await writeFakeAdapterFile(atlas.dir);
  adapter = createFakeAdapter();
  // A 4-prefix index with the original index and original.f32: every kind of index file.
  await buildAtlasIndex({ referencePath: atlas.path, adapterPath, outDir: idx, withOriginal: true, threads: 1 }, { adapter });
});

after(async () => {
  await atlas?.cleanup();
});

async function copyIndex(): Promise<string> {
  const dst = join(atlas.dir, `copy-${copies++}`);
  await cp(idx, dst, { recursive: true });
  return dst;
}

/** Overwrites `bytes` at `fraction` of the file (size unchanged), as the 4,096 random bytes. */
async function scribble(path: string, fraction: number, bytes: Buffer): Promise<void> {
  const size = (await stat(path)).size;
  const fh = await open(path, 'r+');
  try {
    const at = Math.min(size - bytes.length, Math.floor(size * fraction));
    const old = Buffer.alloc(bytes.length);
    await fh.read(old, 0, bytes.length, at);
    // Make sure at least one byte differs.
    if (old.equals(bytes)) bytes = Buffer.from(bytes.map((b) => b ^ 0xff));
    await fh.write(bytes, 0, bytes.length, at);
  } finally {
    await fh.close();
  }
}

const open0 = (dir: string, verify?: VerifyMode) => openAtlasIndex(dir, { adapterPath, workers: 0, verify }, { adapter });

const FILES = ['prefix-1.usearch', 'prefix-4.usearch', 'original.usearch', 'vectors.f32', 'original.f32', 'labels.bin', 'cellids.bin', 'cellid-offsets.bin', 'cellid-hash.bin'];

test('the build records an xxh64 of every file, and an intact index passes every verify mode', async () => {
  const m = JSON.parse(await readFile(join(idx, 'manifest.json'), 'utf8'));
  const entries = [...m.prefixes, m.original, ...Object.values(m.files)] as { file: string; xxh64: string }[];
  assert.deepEqual(entries.map((e) => e.file).sort(), [...FILES, 'prefix-2.usearch', 'prefix-3.usearch'].sort());
  for (const e of entries) assert.match(e.xxh64, /^[0-9a-f]{16}$/);
  for (const mode of ['none', 'quick', 'full'] as const) {
    const r = await verifyIndex(idx, { mode });
    assert.equal(r.mode, mode);
    assert.equal(r.files, 11);
  }
});

test('one changed byte in each kind of index file is refused at start with index_corrupt', async () => {
  for (const file of FILES) {
    const dir = await copyIndex();
    await scribble(join(dir, file), 0.9, Buffer.from([0x5a]));
    // Structure checks run first and may name the damage more precisely; otherwise the checksum catches it.
    await assert.rejects(open0(dir), (e) => isAtlasError(e, 'index_corrupt') && e.message.includes(file), file);
    await assert.rejects(verifyIndex(dir, { mode: 'full' }), (e) => isAtlasError(e, 'index_corrupt') && e.message.includes(file), file);
  }
  // The case: bytes overwritten at 90 % of the finest prefix file, size unchanged.
  const dir = await copyIndex();
  await scribble(join(dir, 'prefix-4.usearch'), 0.9, Buffer.alloc(64, 0x3c));
  await assert.rejects(open0(dir), (e) => isAtlasError(e, 'index_corrupt') && /prefix-4\.usearch has checksum [0-9a-f]{16}, the manifest says/.test(e.message));
  await open0(dir, 'none').then((s) => s.close());
});

test('quick verify catches damaged headers, offsets, hash directory and label codes without reading everything', async () => {
  const cases: [string, number, Buffer][] = [
    ['prefix-2.usearch', 0, Buffer.from([0xff, 0xff, 0, 0])],
    ['cellid-offsets.bin', 0.5, Buffer.alloc(8, 0xff)],
    ['cellid-hash.bin', 0.01, Buffer.alloc(8, 0xff)],
    ['labels.bin', 0.1, Buffer.from([0xee, 0xee])],
  ];
  for (const [file, at, bytes] of cases) {
    const dir = await copyIndex();
    await scribble(join(dir, file), at, bytes);
    await assert.rejects(open0(dir, 'quick'), (e) => isAtlasError(e, 'index_corrupt') && e.message.includes(file), file);
    await assert.rejects(verifyIndex(dir, { mode: 'quick' }), (e) => isAtlasError(e, 'index_corrupt') && e.message.includes(file), file);
  }
});

test('edited manifest values are refused field by field', async () => {
  const edits: [string, (m: Record<string, any>) => void, RegExp][] = [
    ['negative out-of-reference distance', (m) => (m.outOfReferenceDistance = -5), /outOfReferenceDistance/],
    ['levelPrefix beyond the prefixes', (m) => (m.levelPrefix.level4_subtype = 9), /level4_subtype to no valid prefix/],
    ['levelPrefix of an unknown level', (m) => (m.levelPrefix.level9 = 1), /levelPrefix/],
    ['a file outside the folder', (m) => (m.files.vectors.file = '../../etc/passwd'), /files\.vectors\.file/],
    ['a checksum that is not hex', (m) => (m.prefixes[0].xxh64 = 'zz'), /prefixes\[0\]\.xxh64/],
    ['a changed checksum', (m) => (m.files.labels.xxh64 = '0123456789abcdef'), /labels\.bin has checksum/],
    ['k-NN parameters out of range', (m) => (m.connectivity = 0), /connectivity/],
    ['a level table code outside the vocabulary', (m) => (m.levelTable[0][3] = 999), /levelTable\[0\]/],
  ];
  for (const [what, edit, pattern] of edits) {
    const dir = await copyIndex();
    const m = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    edit(m);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(m));
    await assert.rejects(open0(dir), (e) => (isAtlasError(e, 'index_mismatch') || isAtlasError(e, 'index_corrupt')) && pattern.test(e.message), what);
  }
});

test('files damaged after start give index_corrupt answers, never wrong hits or a client error', async () => {
  const dir = await copyIndex();
  const svc = await open0(dir);
  try {
    const ok = await svc.search({ cellIds: ['cell-3'], n: 1, k: 3 });
    assert.equal(ok.results[0]!.hits[0]!.cell_id, 'cell-3');
    // NaN into the stored vector of row 5 (vectors.f32 is 16 floats per row).
    const fh = await open(join(dir, 'vectors.f32'), 'r+');
    await fh.write(Buffer.from(new Float32Array([NaN, NaN]).buffer), 0, 8, 5 * 16 * 4);
    await fh.close();
    await assert.rejects(svc.search({ cellIds: ['cell-5'], n: 1, k: 3 }), (e) => isAtlasError(e, 'index_corrupt') && /row 5/.test(e.message));
    // A filtered search whose exact scan reads that stored vector.
    const query = { embeddings: atlas.embeddings.slice(0, 16), n: 1, k: 3, filter: { include: { subtype: ['subtype-5'] } } };
    await assert.rejects(svc.search(query), (e) => isAtlasError(e, 'index_corrupt'));
    // An offset pointing far past the ids file.
    const off = await open(join(dir, 'cellid-offsets.bin'), 'r+');
    await off.write(Buffer.from(new Float64Array([1e12]).buffer), 0, 8, 4 * 8);
    await off.close();
    await assert.rejects(svc.search({ cellIds: ['cell-3'], n: 1, k: 50 }), (e) => isAtlasError(e, 'index_corrupt'));
  } finally {
    await svc.close();
  }
});
