import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Dictionary, Field, Int32, Schema, Table, Utf8, makeData, RecordBatch, Struct, tableToIPC, Float32, FixedSizeList, vectorFromArray, type Data } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { isAtlasError, LEVEL_COLUMNS } from '../../common/index.js';
import { createAtlasWriter, openAtlas, type AtlasBatch, type AtlasBatchInput, type EncodedColumn } from '../../atlas/index.js';
import { signedStream } from '../support/random.js';

const dir = mkdtempSync(join(tmpdir(), 'atlas-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));


function column(values: string[]): EncodedColumn {
  const dictionary = [...new Set(values)].reverse(); // an order unlike first appearance, on purpose
  const codes = Int32Array.from(values, (v) => dictionary.indexOf(v));
  return { codes, dictionary };
}

function value(col: EncodedColumn, i: number): string {
  return col.dictionary[col.codes[i]!]!;
}

interface Rows {
  emb: Float32Array;
  levels: string[][];
  cellIds: string[];
  clIds: string[];
}

function makeRows(n: number, dim: number, seed: number, start: number): Rows {
  const rnd = signedStream(seed);
  const emb = Float32Array.from({ length: n * dim }, () => rnd());
  const levels = LEVEL_COLUMNS.map((_, l) => Array.from({ length: n }, (_, i) => `L${l + 1}-${(start + i) % (2 + 3 * l)}`));
  const cellIds = Array.from({ length: n }, (_, i) => `cell-${start + i}`);
  const clIds = Array.from({ length: n }, (_, i) => ((start + i) % 7 === 0 ? '' : `CL:${String(((start + i) % 5) + 100).padStart(7, '0')}`));
  return { emb, levels, cellIds, clIds };
}

function toInput(r: Rows, dim: number, withIds: boolean): AtlasBatchInput {
  const n = r.cellIds.length;
  const levels = Object.fromEntries(LEVEL_COLUMNS.map((c, l) => [c, column(r.levels[l]!)])) as AtlasBatchInput['levels'];
  return withIds ? { numRows: n, dim, embeddings: r.emb, levels, cellIds: r.cellIds, clIds: column(r.clIds) } : { numRows: n, dim, embeddings: r.emb, levels };
}

async function readAll(path: string): Promise<AtlasBatch[]> {
  const reader = await openAtlas(path);
  const out: AtlasBatch[] = [];
  for await (const b of reader.batches()) out.push(b);
  return out;
}

test('round trip: values, dictionaries, ids, several row groups, D = 20', async () => {
  const dim = 20;
  const path = join(dir, 'round.parquet');
  const parts = [makeRows(250, dim, 1, 0), makeRows(130, dim, 2, 250), makeRows(7, dim, 3, 380)];
  const writer = await createAtlasWriter(path, { dim, rowGroupSize: 100, compression: 'snappy' });
  for (const p of parts) await writer.write(toInput(p, dim, true));
  assert.deepEqual(await writer.close(), { rows: 387 });

  const reader = await openAtlas(path);
  assert.equal(reader.numRows, 387);
  assert.equal(reader.dim, dim);
  assert.equal(reader.numRowGroups, 4);
  assert.deepEqual(reader.rowGroupSizes, [100, 100, 100, 87]);
  assert.ok(reader.hasCellIds && reader.hasClIds);

  const batches = await readAll(path);
  const emb = new Float32Array(387 * dim);
  const got: Rows = { emb, levels: LEVEL_COLUMNS.map(() => []), cellIds: [], clIds: [] };
  let expectOffset = 0;
  for (const b of batches) {
    assert.equal(b.rowOffset, expectOffset);
    assert.equal(b.dim, dim);
    assert.equal(b.embeddings.length, b.numRows * dim);
    emb.set(b.embeddings, b.rowOffset * dim);
    for (let i = 0; i < b.numRows; i++) {
      LEVEL_COLUMNS.forEach((c, l) => got.levels[l]!.push(value(b.levels[c], i)));
      got.cellIds.push(b.cellIds[i]!);
      got.clIds.push(value(b.clIds!, i));
    }
    // each dictionary holds distinct values
    for (const c of LEVEL_COLUMNS) assert.equal(new Set(b.levels[c].dictionary).size, b.levels[c].dictionary.length);
    expectOffset += b.numRows;
  }
  const want = { emb: Float32Array.from(parts.flatMap((p) => [...p.emb])), levels: LEVEL_COLUMNS.map((_, l) => parts.flatMap((p) => p.levels[l]!)), cellIds: parts.flatMap((p) => p.cellIds), clIds: parts.flatMap((p) => p.clIds) };
  assert.deepEqual(got.emb, want.emb);
  assert.deepEqual(got.levels, want.levels);
  assert.deepEqual(got.cellIds, want.cellIds);
  assert.deepEqual(got.clIds, want.clIds);
  assert.ok(got.clIds.includes(''), 'rows without a CL id survive as the empty string');

  const lv = await reader.readRowGroupLevels(1);
  assert.equal(lv.rowOffset, 100);
  assert.equal(value(lv.levels.level4_subtype, 0), want.levels[3]![100]);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');
});

test('default cell ids are global row numbers when the writer gets none; zstd; D = 3', async () => {
  const dim = 3;
  const path = join(dir, 'noids.parquet');
  const writer = await createAtlasWriter(path, { dim, rowGroupSize: 4 });
  await writer.write(toInput(makeRows(6, dim, 4, 0), dim, false));
  await writer.write(toInput(makeRows(5, dim, 5, 6), dim, false));
  await writer.close();
  const reader = await openAtlas(path);
  assert.equal(reader.hasClIds, false);
  const batches = await readAll(path);
  assert.deepEqual(batches.flatMap((b) => b.cellIds), Array.from({ length: 11 }, (_, i) => String(i)));
  assert.ok(batches.every((b) => b.clIds === null));
});

/** Writes an arbitrary arrow table to Parquet in one go (as pyarrow would write the seed's file). */
function writeTable(path: string, fields: Field[], children: Data[], n: number): void {
  const schema = new Schema(fields);
  const batch = new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
  const wasm = parquet.Table.fromIPCStream(tableToIPC(new Table([batch]), 'stream'));
  writeFileSync(path, parquet.writeParquet(wasm, new parquet.WriterPropertiesBuilder().setMaxRowGroupSize(5).build()));
}

function embData(n: number, dim: number): Data {
  const child = makeData({ type: new Float32(), length: n * dim, data: Float32Array.from({ length: n * dim }, (_, i) => i / 10) });
  return makeData({ type: new FixedSizeList(dim, new Field('item', new Float32(), true)), length: n, nullCount: 0, child });
}

function vectorOf(strings: readonly string[]) {
  return vectorFromArray([...strings], new Utf8());
}

function levelData(values: string[]): Data {
  const col = column(values);
  return makeData({ type: new Dictionary(new Utf8(), new Int32()), length: values.length, nullCount: 0, data: col.codes, dictionary: vectorOf(col.dictionary) });
}

test("the seed's schema (no cell_id, no cl_id) loads with row-number ids across row groups", async () => {
  const n = 12;
  const dim = 4;
  const path = join(dir, 'seed.parquet');
  const levels = LEVEL_COLUMNS.map((_, l) => Array.from({ length: n }, (_, i) => `v${l}-${i % 3}`));
  writeTable(
    path,
    [new Field('embedding', new FixedSizeList(dim, new Field('item', new Float32(), true)), true), ...LEVEL_COLUMNS.map((c) => new Field(c, new Dictionary(new Utf8(), new Int32()), true))],
    [embData(n, dim), ...levels.map((v) => levelData(v))],
    n,
  );
  const reader = await openAtlas(path);
  assert.equal(reader.hasCellIds, false);
  assert.equal(reader.hasClIds, false);
  assert.equal(reader.numRowGroups, 3);
  const batches = await readAll(path);
  assert.deepEqual(batches.flatMap((b) => b.cellIds), Array.from({ length: n }, (_, i) => String(i)));
  assert.deepEqual(batches.flatMap((b) => Array.from({ length: b.numRows }, (_, i) => value(b.levels.level3_type, i))), levels[2]);
  assert.equal(batches[1]!.embeddings[0], (5 * dim) / 10);
});

test('plain utf8 level columns are accepted too', async () => {
  const n = 3;
  const path = join(dir, 'utf8.parquet');
  writeTable(
    path,
    [new Field('embedding', new FixedSizeList(2, new Field('item', new Float32(), true)), false), ...LEVEL_COLUMNS.map((c) => new Field(c, new Utf8(), false))],
    [embData(n, 2), ...LEVEL_COLUMNS.map((_, l) => vectorOf(['a', 'b', `c${l}`]).data[0]!)],
    n,
  );
  const [b] = await readAll(path);
  assert.deepEqual([0, 1, 2].map((i) => value(b!.levels.level2_lineage, i)), ['a', 'b', 'c1']);
});

test('a file without the embedding or level columns is invalid_atlas naming them', async () => {
  const path = join(dir, 'nolevels.parquet');
  writeTable(path, [new Field('embedding', new FixedSizeList(2, new Field('item', new Float32(), true)), false), new Field('level1_system', new Utf8(), false)], [embData(2, 2), vectorOf(['a', 'b']).data[0]!], 2);
  await assert.rejects(openAtlas(path), (e) => isAtlasError(e, 'invalid_atlas') && /level2_lineage, level3_type, level4_subtype/.test(e.message) && !/embedding/.test(e.message));

  const path2 = join(dir, 'noemb.parquet');
  writeTable(path2, LEVEL_COLUMNS.map((c) => new Field(c, new Utf8(), false)), LEVEL_COLUMNS.map(() => vectorOf(['a']).data[0]!), 1);
  await assert.rejects(openAtlas(path2), (e) => isAtlasError(e, 'invalid_atlas') && /missing column "embedding"/.test(e.message));
});

test('missing file, non-Parquet file, truncated Parquet file', async () => {
  await assert.rejects(openAtlas(join(dir, 'nope.parquet')), (e) => isAtlasError(e, 'file_not_found'));
  const text = join(dir, 'text.parquet');
  writeFileSync(text, 'this is not parquet at all, just some text\n');
  await assert.rejects(openAtlas(text), (e) => isAtlasError(e, 'invalid_atlas'));
  const trunc = join(dir, 'trunc.parquet');
  const whole = parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(new Table({ x: vectorOf(['a', 'b']) }), 'stream')));
  writeFileSync(trunc, whole.subarray(0, whole.length - 9));
  await assert.rejects(openAtlas(trunc), (e) => isAtlasError(e, 'invalid_atlas'));
});

test('abort leaves neither the target nor a temp file; bad batches are rejected before encoding', async () => {
  const dim = 5;
  const path = join(dir, 'aborted.parquet');
  const writer = await createAtlasWriter(path, { dim, rowGroupSize: 3 });
  await writer.write(toInput(makeRows(10, dim, 6, 0), dim, true));
  await assert.rejects(writer.write(toInput(makeRows(2, 4, 7, 0), 4, true)), (e) => isAtlasError(e, 'wrong_dimension'));
  const bad = toInput(makeRows(2, dim, 8, 0), dim, true);
  (bad.embeddings as Float32Array)[3] = Number.NaN;
  await assert.rejects(writer.write(bad), (e) => isAtlasError(e, 'non_finite'));
  await assert.rejects(writer.write(toInput(makeRows(2, dim, 9, 0), dim, false)), (e) => isAtlasError(e, 'invalid_argument'));
  assert.equal(existsSync(path), false, 'nothing at the target while writing');
  await writer.abort();
  assert.equal(existsSync(path), false);
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('aborted')), []);
});

test('an atlas with no rows is still a valid, empty atlas', async () => {
  const path = join(dir, 'empty.parquet');
  const writer = await createAtlasWriter(path, { dim: 8 });
  assert.deepEqual(await writer.close(), { rows: 0 });
  const reader = await openAtlas(path);
  assert.equal(reader.numRows, 0);
  assert.equal(reader.dim, 8);
});

test('the same batches give byte-identical files (no process-dependent ids in the file)', async () => {
  const dim = 6;
  const write = async (name: string) => {
    const path = join(dir, name);
    const writer = await createAtlasWriter(path, { dim, rowGroupSize: 50 });
    await writer.write(toInput(makeRows(120, dim, 11, 0), dim, true));
    await writer.write(toInput(makeRows(30, dim, 12, 120), dim, true));
    await writer.close();
    return readFileSync(path);
  };
  const a = await write('det-a.parquet');
  const b = await write('det-b.parquet');
  assert.ok(a.equals(b));
});

test('temp files tracked by the writer and stratify are removed when the process exits early', () => {
  const mod = new URL('../../atlas/temp-files.js', import.meta.url).href;
  const kept = join(dir, 'kept.txt');
  const dropped = join(dir, 'dropped.txt');
  const script = `import { trackTemp, untrackTemp } from ${JSON.stringify(mod)}; import { writeFileSync } from 'node:fs';
writeFileSync(${JSON.stringify(kept)}, 'k'); writeFileSync(${JSON.stringify(dropped)}, 'd');
trackTemp(${JSON.stringify(kept)}); trackTemp(${JSON.stringify(dropped)}); untrackTemp(${JSON.stringify(kept)}); process.exit(3);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 3, r.stderr);
  assert.equal(existsSync(kept), true);
  assert.equal(existsSync(dropped), false);
});
