import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAtlasError, LEVEL_COLUMNS } from '../../common/index.js';
import {
  CELL_BLOCK,
  DEMO_SYSTEM_PROPORTIONS,
  createDemoGenerator,
  createDemoModel,
  parseCellTypeTable,
  sampleRoundRobin,
} from '../../atlas/demo/index.js';
import { createRng } from '../../common/index.js';
import { SMALL_TABLE_TSV } from './demo-fixtures.js';

const TYPES = parseCellTypeTable(SMALL_TABLE_TSV, 'fixture');

test('the table parser keeps every row and reads empty cl_id as null', () => {
  assert.equal(TYPES.length, 21);
  assert.equal(TYPES[0].level4_subtype, 'naive T cell');
  assert.equal(TYPES.find((t) => t.name === 'native cell')!.cl_id, null);
});

test('malformed tables get clear errors', () => {
  const bad = (text: string, re: RegExp) =>
    assert.throws(() => parseCellTypeTable(text, 'x.tsv'), (e) => isAtlasError(e, 'invalid_argument') && re.test((e as Error).message));
  bad('', /empty table/);
  bad('name\tcl_id\tlevel1_system\tlevel2_lineage\tlevel3_type\na\tCL:1\tImmune\tLymphoid\tT', /missing column "level4_subtype"/);
  bad('name\tcl_id\tlevel1_system\tlevel2_lineage\tlevel3_type\tlevel4_subtype\na\tCL:1\tImmune\t\tT\ta\nb\tCL:2\tImmune\tL\tT\tb', /line 2 has an empty level2_lineage/);
  bad('name\tcl_id\tlevel1_system\tlevel2_lineage\tlevel3_type\tlevel4_subtype\na\tCL:1\tImmune\tL\tT\ta\nb\tCL:2\tImmune\tL\tT\ta', /"a" appears twice/);
  bad('name\tcl_id\tlevel1_system\tlevel2_lineage\tlevel3_type\tlevel4_subtype\na\tCL:1\tImmune\tL\tT\ta', /at least 2 cell types/);
});

test('the PRNG is deterministic, seed- and stream-sensitive, and its Gaussians are standard', () => {
  const a = createRng(42);
  const b = createRng(42);
  const xs = Array.from({ length: 5 }, () => a.uniform());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.uniform()));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, () => createRng(43).uniform()));
  assert.notEqual(createRng(42, 1).uniform(), createRng(42, 2).uniform());
  const g = new Float64Array(200_000);
  createRng(7).fillGaussian(g, 0, g.length);
  const mean = g.reduce((s, v) => s + v, 0) / g.length;
  const variance = g.reduce((s, v) => s + (v - mean) ** 2, 0) / g.length;
  assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 0.02, `variance ${variance}`);
  for (let i = 0; i < 1000; i++) {
    const u = a.uniform();
    assert.ok(u >= 0 && u < 1);
  }
});

test('same seed → identical cells whatever the chunk size; another seed differs', () => {
  const model = createDemoModel(TYPES, 11);
  const whole = createDemoGenerator(model).next(CELL_BLOCK + 1500);
  const gen = createDemoGenerator(createDemoModel(TYPES, 11));
  const parts = [gen.next(1000), gen.next(CELL_BLOCK), gen.next(500)];
  assert.equal(gen.generated, CELL_BLOCK + 1500);
  const joined = new Float32Array(whole.batch.embeddings.length);
  let off = 0;
  for (const p of parts) {
    joined.set(p.batch.embeddings, off);
    off += p.batch.embeddings.length;
  }
  assert.deepEqual(Buffer.from(joined.buffer), Buffer.from(whole.batch.embeddings.buffer));
  assert.deepEqual(parts.flatMap((p) => [...p.batch.levels.level4_subtype.codes]), [...whole.batch.levels.level4_subtype.codes]);
  assert.deepEqual(parts.flatMap((p) => p.batch.cellIds), whole.batch.cellIds);
  assert.equal(whole.batch.cellIds[0], 'demo-000001');
  assert.equal(whole.batch.cellIds[CELL_BLOCK], `demo-${String(CELL_BLOCK + 1).padStart(6, '0')}`);
  const other = createDemoGenerator(createDemoModel(TYPES, 12)).next(100);
  assert.notDeepEqual([...other.batch.embeddings.subarray(0, 128)], [...whole.batch.embeddings.subarray(0, 128)]);
});

test('cells per system follow the seed proportions; label noise and mixed cells at their rates', () => {
  const model = createDemoModel(TYPES, 3);
  const { batch, truth } = createDemoGenerator(model).next(20_000);
  const sys = batch.levels.level1_system;
  const counts = new Map<string, number>();
  for (const c of sys.codes) counts.set(sys.dictionary[c], (counts.get(sys.dictionary[c]) ?? 0) + 1);
  for (const [system, share] of Object.entries(DEMO_SYSTEM_PROPORTIONS)) {
    const got = (counts.get(system) ?? 0) / 20_000;
    // 20k multinomial draws: sd ≤ 0.0035 at 54 %; 1.2 points is > 3 sd for every system.
    assert.ok(Math.abs(got - share) < 0.012, `${system}: ${got.toFixed(4)} vs ${share}`);
  }
  const noisy = truth.noisy.reduce((a, v) => a + v, 0) / 20_000;
  assert.ok(Math.abs(noisy - model.params.labelNoise) < 0.01, `label noise ${noisy}`);
  const mixed = truth.partner.reduce((a, v) => a + (v >= 0 ? 1 : 0), 0) / 20_000;
  assert.ok(Math.abs(mixed - model.params.mixFraction) < 0.015, `mixed ${mixed}`);
  // A noisy row's label is never its biological subtype; a clean row's always is.
  const subtypeCodes = model.subtypeCodes.level4_subtype;
  for (let i = 0; i < 20_000; i++) {
    const same = batch.levels.level4_subtype.codes[i] === subtypeCodes[truth.subtype[i]];
    assert.equal(same, truth.noisy[i] === 0);
  }
  for (const e of batch.embeddings) assert.ok(Number.isFinite(e));
});

test('rows carry consistent levels and cl_ids from the table', () => {
  const model = createDemoModel(TYPES, 5);
  const { batch } = createDemoGenerator(model).next(2000);
  const byName = new Map(TYPES.map((t) => [t.level4_subtype, t]));
  for (let i = 0; i < 2000; i++) {
    const sub = batch.levels.level4_subtype.dictionary[batch.levels.level4_subtype.codes[i]];
    const t = byName.get(sub)!;
    for (const col of LEVEL_COLUMNS) assert.equal(batch.levels[col].dictionary[batch.levels[col].codes[i]], t[col]);
    assert.equal(batch.clIds.dictionary[batch.clIds.codes[i]], t.cl_id ?? '');
  }
  assert.equal(batch.dim, 128);
  assert.equal(batch.embeddings.length, 2000 * 128);
});

test('hierarchical means: subtype offsets exceed type offsets and the biology avoids the nuisance subspace', () => {
  const model = createDemoModel(TYPES, 9);
  const { dim } = model;
  const row = (name: string) => TYPES.findIndex((t) => t.level4_subtype === name);
  const dist = (a: number, b: number) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += (model.means[a * dim + d] - model.means[b * dim + d]) ** 2;
    return Math.sqrt(s);
  };
  // Siblings in one type differ by two subtype offsets; different systems by everything.
  const siblings = dist(row('naive T cell'), row('memory T cell'));
  assert.ok(Math.abs(siblings - Math.SQRT2 * model.params.subtypeScale) < 0.35, `siblings ${siblings}`);
  assert.ok(dist(row('naive T cell'), row('hepatocyte')) > siblings + 1);
  for (let s = 0; s < TYPES.length; s++) {
    for (let r = 0; r < model.params.nuisanceRank; r++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += model.means[s * dim + d] * model.nuisanceBasis[r * dim + d];
      assert.ok(Math.abs(dot) < 1e-5);
    }
  }
});

test('bad model arguments get clear errors', () => {
  assert.throws(() => createDemoModel(TYPES, -1), (e) => isAtlasError(e, 'invalid_argument'));
  assert.throws(() => createDemoModel(TYPES, 1.5), (e) => isAtlasError(e, 'invalid_argument'));
  assert.throws(() => createDemoModel(TYPES.slice(0, 1), 1), (e) => isAtlasError(e, 'invalid_argument'));
  assert.throws(() => createDemoModel(TYPES, 1, { labelNoise: 2 }), (e) => isAtlasError(e, 'invalid_argument'));
  assert.throws(() => createDemoModel(TYPES, 1, { nuisanceRank: 128 }), (e) => isAtlasError(e, 'invalid_argument'));
  const alien = [...TYPES, { ...TYPES[0], name: 'x', level4_subtype: 'x', level1_system: 'Plant' }];
  assert.throws(() => createDemoModel(alien, 1), (e) => isAtlasError(e, 'invalid_argument') && /"Plant"/.test((e as Error).message));
  assert.throws(() => createDemoGenerator(createDemoModel(TYPES, 1)).next(-1), (e) => isAtlasError(e, 'invalid_argument'));
});

test('round-robin sample balances classes and uses small classes fully', () => {
  const codes = [2, 2, 2, 2, 0, 1, 1, 2, 0];
  assert.deepEqual([...sampleRoundRobin(codes, 5)], [4, 5, 0, 8, 6]);
  assert.deepEqual([...sampleRoundRobin(codes, 100)].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...sampleRoundRobin(codes, 0)], []);
  assert.throws(() => sampleRoundRobin(codes, -1), (e) => isAtlasError(e, 'invalid_argument'));
});

test('a generator started at a block boundary continues the stream exactly', () => {
  const model = createDemoModel(TYPES, 13);
  const whole = createDemoGenerator(model).next(2 * CELL_BLOCK + 10).batch;
  const tail = createDemoGenerator(model, CELL_BLOCK).next(CELL_BLOCK + 10).batch;
  assert.deepEqual(Buffer.from(tail.embeddings.buffer), Buffer.from(whole.embeddings.buffer, CELL_BLOCK * 512));
  assert.equal(tail.cellIds[0], whole.cellIds[CELL_BLOCK]);
  assert.throws(() => createDemoGenerator(model, 100), (e) => isAtlasError(e, 'invalid_argument'));
});
