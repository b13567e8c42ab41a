import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Field, FixedSizeList, Float32, Table, Utf8, makeData, makeVector, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCliInProcess } from '../support/run-cli.js';
import { isAtlasError, LEVEL_COLUMNS } from '../../common/index.js';
import { createAtlasWriter, createSummaryCounter, formatSummary, inversePermutation, openAtlas, roundRobinOrder, stratifyAtlas, type AtlasBatch, type EncodedColumn } from '../../atlas/index.js';

const dir = mkdtempSync(join(tmpdir(), 'atlas-stratify-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function countsIn(classes: Int32Array, order: Int32Array, prefix: number, numClasses: number): number[] {
  const c = new Array<number>(numClasses).fill(0);
  for (let k = 0; k < prefix; k++) c[classes[order[k]!]!]!++;
  return c;
}

test('roundRobinOrder: a permutation whose prefixes are balanced; small classes run out first', () => {
  // class sizes 5, 2, 3, 0 (class 3 empty), rows interleaved arbitrarily
  const classes = Int32Array.from([0, 0, 1, 2, 0, 2, 1, 0, 2, 0]);
  const order = roundRobinOrder(classes, 4, 7);
  assert.deepEqual([...order].sort((a, b) => a - b), [...Array(10).keys()]);
  assert.deepEqual(countsIn(classes, order, 3, 4), [1, 1, 1, 0]);
  assert.deepEqual(countsIn(classes, order, 6, 4), [2, 2, 2, 0]);
  // round 3: class 1 exhausted, classes 0 and 2 continue; then class 0 alone
  assert.deepEqual(countsIn(classes, order, 8, 4), [3, 2, 3, 0]);
  assert.deepEqual([...order.subarray(8)].map((r) => classes[r]), [0, 0]);
  // the class order is the same in every round
  const firstRound = [...order.subarray(0, 3)].map((r) => classes[r]);
  const secondRound = [...order.subarray(3, 6)].map((r) => classes[r]);
  assert.deepEqual(firstRound, secondRound);
});

test('roundRobinOrder: seeded — same seed same order, another seed another order', () => {
  const classes = Int32Array.from({ length: 500 }, (_, i) => (i * 7) % 13);
  assert.deepEqual(roundRobinOrder(classes, 13, 1), roundRobinOrder(classes, 13, 1));
  assert.notDeepEqual(roundRobinOrder(classes, 13, 1), roundRobinOrder(classes, 13, 2));
  assert.throws(() => roundRobinOrder(Int32Array.from([0, 5]), 3, 0), RangeError);
  const order = roundRobinOrder(classes, 13, 3);
  const inv = inversePermutation(order);
  for (let k = 0; k < order.length; k++) assert.equal(inv[order[k]!], k);
});

test('summary counter merges batches with different dictionaries', () => {
  const counter = createSummaryCounter();
  const col = (values: string[], dictionary: string[]): EncodedColumn => ({ codes: Int32Array.from(values, (v) => dictionary.indexOf(v)), dictionary });
  const levels = (sys: string[], dict: string[]) => Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, c === 'level1_system' ? col(sys, dict) : col(sys.map((s) => `${c}:${s}`), dict.map((s) => `${c}:${s}`))])) as Record<(typeof LEVEL_COLUMNS)[number], EncodedColumn>;
  counter.add(levels(['Immune', 'Neural', 'Immune'], ['Neural', 'Immune', 'Unused']));
  counter.add(levels(['Immune', 'Stromal'], ['Stromal', 'Immune']));
  const s = counter.result();
  assert.equal(s.rows, 5);
  assert.equal(s.classesPerLevel.level1_system, 3);
  assert.deepEqual(s.cellsPerSystem, [
    { system: 'Immune', cells: 3 },
    { system: 'Neural', cells: 1 },
    { system: 'Stromal', cells: 1 },
  ]);
  const text = formatSummary(s, 2);
  assert.match(text, /rows: 5/);
  assert.match(text, /Immune\s+3\s+60\.0 %/);
  assert.match(text, /2\.5 rows\/s|3 rows\/s/);
});

/** Writes an atlas whose row r has embedding [r, r/2, …] and imbalanced subtypes s0 (big) … s9 (small). */
async function writeSource(path: string, n: number, dim: number, withIds: boolean): Promise<string[]> {
  const subtypeOf: string[] = [];
  for (let r = 0; r < n; r++) {
    // geometric-ish sizes: subtype k gets about half of what k-1 gets
    const u = ((r * 2654435761) >>> 0) / 2 ** 32;
    subtypeOf.push(`s${Math.min(9, Math.floor(-Math.log2(1 - u)))}`);
  }
  const writer = await createAtlasWriter(path, { dim, rowGroupSize: 100 });
  for (let start = 0; start < n; start += 250) {
    const m = Math.min(250, n - start);
    const emb = new Float32Array(m * dim);
    for (let i = 0; i < m; i++) for (let d = 0; d < dim; d++) emb[i * dim + d] = (start + i) / (d + 1);
    const sub = subtypeOf.slice(start, start + m);
    const dict = [...new Set(sub)];
    const enc = (f: (s: string) => string): EncodedColumn => {
      const d = [...new Set(sub.map(f))];
      return { codes: Int32Array.from(sub, (s) => d.indexOf(f(s))), dictionary: d };
    };
    await writer.write({
      numRows: m,
      dim,
      embeddings: emb,
      levels: {
        level1_system: enc((s) => (Number(s.slice(1)) < 3 ? 'Immune' : 'Neural')),
        level2_lineage: enc((s) => `lin${Number(s.slice(1)) % 4}`),
        level3_type: enc((s) => `type${Number(s.slice(1)) % 6}`),
        level4_subtype: { codes: Int32Array.from(sub, (s) => dict.indexOf(s)), dictionary: dict },
      },
      ...(withIds ? { cellIds: Array.from({ length: m }, (_, i) => `c${start + i}`), clIds: enc((s) => (s === 's9' ? '' : `CL:${s}`)) } : {}),
    });
  }
  await writer.close();
  return subtypeOf;
}

async function readAll(path: string): Promise<AtlasBatch[]> {
  const out: AtlasBatch[] = [];
  for await (const b of (await openAtlas(path)).batches()) out.push(b);
  return out;
}

test('stratify: every row kept with its data; prefixes balanced by subtype; seeded; no temp files', async () => {
  const n = 1000;
  const dim = 3;
  const src = join(dir, 'src.parquet');
  const subtypeOf = await writeSource(src, n, dim, true);
  const out = join(dir, 'strat.parquet');
  const res = await stratifyAtlas({ input: src, out, seed: 5, rowGroupSize: 64 });
  assert.equal(res.summary.rows, n);
  assert.equal(res.summary.classesPerLevel.level4_subtype, 10);
  const reader = await openAtlas(out);
  assert.equal(reader.numRows, n);
  assert.equal(reader.numRowGroups, Math.ceil(n / 64));
  assert.ok(reader.hasClIds);

  const sourceRows: number[] = [];
  const subtypes: string[] = [];
  for (const b of await readAll(out)) {
    for (let i = 0; i < b.numRows; i++) {
      const r = b.embeddings[i * dim]!;
      sourceRows.push(r);
      for (let d = 0; d < dim; d++) assert.equal(b.embeddings[i * dim + d], Math.fround(r / (d + 1)));
      const st = b.levels.level4_subtype.dictionary[b.levels.level4_subtype.codes[i]!]!;
      assert.equal(st, subtypeOf[r]);
      subtypes.push(st);
      assert.equal(b.cellIds[i], `c${r}`);
      assert.equal(b.clIds!.dictionary[b.clIds!.codes[i]!], st === 's9' ? '' : `CL:${st}`);
      assert.equal(b.levels.level1_system.dictionary[b.levels.level1_system.codes[i]!], Number(st.slice(1)) < 3 ? 'Immune' : 'Neural');
    }
  }
  assert.deepEqual([...sourceRows].sort((a, b) => a - b), [...Array(n).keys()]);
  // first 10 rows: one of each subtype; first 20: two of each subtype that has two
  assert.equal(new Set(subtypes.slice(0, 10)).size, 10);
  const sizes = new Map<string, number>();
  for (const s of subtypeOf) sizes.set(s, (sizes.get(s) ?? 0) + 1);
  const m = Math.min(...sizes.values());
  const prefix = subtypes.slice(0, m * 10);
  for (const s of sizes.keys()) assert.equal(prefix.filter((x) => x === s).length, m);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.')), [], 'temp buckets removed');

  const again = join(dir, 'strat2.parquet');
  await stratifyAtlas({ input: src, out: again, seed: 5, rowGroupSize: 64 });
  assert.deepEqual((await readAll(again)).flatMap((b) => b.cellIds), (await readAll(out)).flatMap((b) => b.cellIds));
  const other = join(dir, 'strat3.parquet');
  await stratifyAtlas({ input: src, out: other, seed: 6, rowGroupSize: 500 });
  assert.notDeepEqual((await readAll(other)).flatMap((b) => b.cellIds), (await readAll(out)).flatMap((b) => b.cellIds));
});

test('stratify: input without cl_id keeps its row numbers as cell ids', async () => {
  const src = join(dir, 'noids.parquet');
  await writeSource(src, 120, 2, false);
  const out = join(dir, 'noids-strat.parquet');
  await stratifyAtlas({ input: src, out, rowGroupSize: 50 });
  const reader = await openAtlas(out);
  assert.equal(reader.hasClIds, false);
  for (const b of await readAll(out)) {
    for (let i = 0; i < b.numRows; i++) assert.equal(b.cellIds[i], String(b.embeddings[i * 2]));
  }
});

test('stratify errors: missing input, same input and output; CLI prints one line', async () => {
  await assert.rejects(stratifyAtlas({ input: join(dir, 'nope.parquet'), out: join(dir, 'x.parquet') }), (e) => isAtlasError(e, 'file_not_found'));
  const src = join(dir, 'src.parquet');
  await assert.rejects(stratifyAtlas({ input: src, out: src }), (e) => isAtlasError(e, 'invalid_argument'));
  const r = await runCliInProcess(['stratify', '--in', join(dir, 'nope.parquet'), '--out', join(dir, 'y.parquet')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^fractal-atlas: atlas file not found: /);
  const ok = await runCliInProcess(['stratify', '--in', src, '--out', join(dir, 'cli.parquet'), '--seed', '3']);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /rows: 1,000/);
  assert.match(ok.stdout, /categories per level: system 2, lineage 4, type 6, subtype 10\n/);
  const bad = await runCliInProcess(['stratify', '--in', src, '--out', join(dir, 'z.parquet'), '--seed', 'x']);
  assert.equal(bad.status, 2);
});

test("stratify: a file in the seed's schema (plain strings, no ids) keeps input row numbers as cell ids", async () => {
  const n = 50;
  const dim = 4;
  const child = makeData({ type: new Float32(), length: n * dim, data: Float32Array.from({ length: n * dim }, (_, i) => i) });
  const emb = makeData({ type: new FixedSizeList(dim, new Field('item', new Float32(), true)), length: n, nullCount: 0, child });
  const cols: Record<string, Vector> = { embedding: makeVector(emb) };
  for (const c of LEVEL_COLUMNS) cols[c] = vectorFromArray(Array.from({ length: n }, (_, i) => `${c}-${i % 5}`), new Utf8());
  const src = join(dir, 'seed.parquet');
  const props = new parquet.WriterPropertiesBuilder().setMaxRowGroupSize(20).build();
  writeFileSync(src, parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(new Table(cols), 'stream')), props));
  const out = join(dir, 'seed-strat.parquet');
  await stratifyAtlas({ input: src, out, rowGroupSize: 16 });
  const rows = await readAll(out);
  assert.equal(rows.reduce((s, b) => s + b.numRows, 0), n);
  const first = rows[0]!;
  for (let i = 0; i < first.numRows; i++) {
    const r = Number(first.cellIds[i]);
    assert.equal(first.embeddings[i * dim], r * dim);
    assert.equal(first.levels.level4_subtype.dictionary[first.levels.level4_subtype.codes[i]!], `level4_subtype-${r % 5}`);
  }
  assert.equal(new Set(Array.from({ length: 5 }, (_, i) => Number(first.cellIds[i]) % 5)).size, 5, 'first round holds every subtype');
});
