import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SHARED_OBO_PATH, isAtlasError, projectPath } from '../../common/index.js';
import { expandStrings } from '../../atlas/arrow-columns.js';
import { importAtlas, openAtlas, parseNpyHeader, splitFields, stratifyAtlas, type ImportOptions } from '../../atlas/index.js';
import { writeNpy } from '../../adapter/index.js';
import { runCliInProcess } from '../support/run-cli.js';
import { ANNDATA_SKIP } from '../support/python-packages.js';

const PYTHON = '/usr/bin/python3';
const MAKE_FIXTURES = projectPath('test', 'atlas', 'fixtures', 'make_h5ad_fixtures.py');
const COMMITTED = projectPath('test', 'fixtures');
const LABELS = ['T cell', 'B cell', 'natural killer cell', 'classical monocyte'];
const N = 12;
const root = mkdtempSync(join(tmpdir(), 'atlas-import-'));
after(() => rmSync(root, { recursive: true, force: true }));

const noObo = !existsSync(SHARED_OBO_PATH) && 'no shared cl-basic.obo';
const noAnndata = ANNDATA_SKIP;
if (noAnndata) console.log(`# skipping anndata-written fixtures: ${noAnndata}`);
const fresh = join(root, 'h5ad');

before(() => {
  if (noAnndata) return;
  const r = spawnSync(PYTHON, [MAKE_FIXTURES, fresh], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

let outCount = 0;
function outPath(): string {
  return join(root, `out${outCount++}.parquet`);
}

function run(options: Omit<ImportOptions, 'obo' | 'out'>, out = outPath()) {
  return importAtlas({ obo: SHARED_OBO_PATH, out, rowGroupSize: 5, ...options });
}

async function readAll(path: string) {
  const reader = await openAtlas(path);
  const rows: { id: string; subtype: string; system: string; clId: string; emb: number[]; extra: Record<string, string> }[] = [];
  for (let g = 0; g < reader.numRowGroups; g++) {
    const b = await reader.readRowGroup(g);
    const extra = await reader.readRowGroupExtra(g, reader.extraColumns);
    const sub = expandStrings(b.levels.level4_subtype);
    const sys = expandStrings(b.levels.level1_system);
    const cl = b.clIds ? expandStrings(b.clIds) : [];
    for (let i = 0; i < b.numRows; i++) {
      rows.push({
        id: b.cellIds[i]!,
        subtype: sub[i]!,
        system: sys[i]!,
        clId: cl[i] ?? '',
        emb: Array.from(b.embeddings.subarray(i * b.dim, (i + 1) * b.dim)),
        extra: Object.fromEntries(Object.entries(extra).map(([k, col]) => [k, col.dictionary[col.codes[i]!]!])),
      });
    }
  }
  return { reader, rows };
}

/** No atlas and no temp file left in the output folder after a failed import. */
function assertNothingLeft(out: string): void {
  assert.ok(!existsSync(out), `${out} must not exist`);
  assert.deepEqual(readdirSync(root).filter((f) => f.endsWith('.tmp')), []);
}

async function assertFails(options: Omit<ImportOptions, 'obo' | 'out'>, code: Parameters<typeof isAtlasError>[1], pattern: RegExp): Promise<void> {
  const out = outPath();
  await assert.rejects(run(options, out), (e) => isAtlasError(e, code) && pattern.test((e as Error).message));
  assertNothingLeft(out);
}

test('committed fixtures: current (categorical groups) and legacy (__categories) layouts import to the same atlas', { skip: noObo }, async () => {
  const a = await readAll((await run({ input: join(COMMITTED, 'anndata-current.h5ad'), matrix: { obsm: 'X_pca' }, labels: { labelColumn: 'cell_type' }, keepColumns: ['donor'] })).out);
  const b = await readAll((await run({ input: join(COMMITTED, 'anndata-legacy.h5ad'), matrix: { obsm: 'X_pca' }, labels: { labelColumn: 'cell_type' }, keepColumns: ['donor'] })).out);
  assert.equal(a.reader.numRows, N);
  assert.equal(a.reader.dim, 8);
  assert.equal(a.reader.numRowGroups, 3);
  assert.deepEqual(a.reader.extraColumns, ['donor']);
  assert.deepEqual(a.rows.map((r) => r.id), Array.from({ length: N }, (_, i) => `cell${i}`));
  assert.deepEqual(a.rows.map((r) => r.subtype), Array.from({ length: N }, (_, i) => LABELS[i % 4]));
  assert.deepEqual(a.rows.map((r) => r.extra.donor), Array.from({ length: N }, (_, i) => `donor${i % 3}`));
  assert.ok(a.rows.every((r) => r.system === 'Immune'));
  assert.equal(a.rows[0]!.clId, 'CL:0000084');
  assert.deepEqual(b.rows, a.rows);
  // the legacy file's X is the same matrix, dense
  const x = await readAll((await run({ input: join(COMMITTED, 'anndata-legacy.h5ad'), matrix: { X: true }, labels: { labelColumn: 'cell_type' } })).out);
  assert.deepEqual(x.rows.map((r) => r.emb), a.rows.map((r) => r.emb));
});

test('stratify keeps the extra columns with their rows', { skip: noObo }, async () => {
  const imported = (await run({ input: join(COMMITTED, 'anndata-current.h5ad'), matrix: { obsm: 'X_pca' }, labels: { labelColumn: 'cell_type' }, keepColumns: ['donor', 'barcode'] })).out;
  const out = outPath();
  await stratifyAtlas({ input: imported, out, rowGroupSize: 4, seed: 3 });
  const before = await readAll(imported);
  const after = await readAll(out);
  assert.deepEqual(after.reader.extraColumns, ['donor', 'barcode']);
  assert.notDeepEqual(after.rows.map((r) => r.id), before.rows.map((r) => r.id));
  const byId = new Map(before.rows.map((r) => [r.id, r]));
  for (const r of after.rows) assert.deepEqual(r, byId.get(r.id));
});

test('anndata-written file: float64 obsm, CSR X, CL id column, numeric and string extra columns', { skip: noObo || noAnndata }, async () => {
  const input = join(fresh, 'current.h5ad');
  const f32 = await readAll((await run({ input, matrix: { obsm: 'X_pca' }, labels: { labelColumn: 'cell_type' } })).out);
  const f64 = await readAll((await run({ input, matrix: { obsm: 'X_f64' }, labels: { labelColumn: 'cell_type' } })).out);
  assert.deepEqual(f64.rows.map((r) => r.emb), f32.rows.map((r) => r.emb));
  const csr = await readAll((await run({ input, matrix: { X: true }, labels: { labelColumn: 'cell_type' } })).out);
  assert.equal(csr.reader.dim, 6);
  csr.rows.forEach((r, i) => assert.deepEqual(r.emb, Array.from({ length: 6 }, (_, c) => (c === i % 6 ? i + 1 : 0))));
  const byId = await readAll((await run({ input, matrix: { obsm: 'X_pca' }, labels: { clIdColumn: 'cl_id' }, keepColumns: ['n_counts', 'barcode'], idColumn: 'barcode' })).out);
  assert.deepEqual(byId.rows.map((r) => r.subtype), f32.rows.map((r) => r.subtype));
  assert.deepEqual(byId.rows.map((r) => r.clId), Array.from({ length: N }, (_, i) => ['CL:0000084', 'CL:0000236', 'CL:0000623', 'CL:0000860'][i % 4]));
  assert.equal(byId.rows[3]!.id, 'AAAC0003');
  assert.equal(byId.rows[3]!.extra.n_counts, '300');
});

test('bad .h5ad input: one readable error each, no output left', { skip: noObo || noAnndata }, async () => {
  const h5 = (name: string) => join(fresh, `${name}.h5ad`);
  const base = { matrix: { obsm: 'X_pca' }, labels: { labelColumn: 'cell_type' } } as const;
  await assertFails({ ...base, input: h5('nan') }, 'non_finite', /2 row\(s\) have NaN or Infinity; the first is row 3 \(id "cell3"\)/);
  await assertFails({ ...base, input: h5('dupes') }, 'invalid_input', /1 duplicated id\(s\); the first, "cell2", is on rows 2 and 9/);
  await assertFails({ ...base, input: h5('unlabelled') }, 'invalid_input', /1 row\(s\) have no label in column "cell_type"; the first is row 5/);
  await assertFails({ ...base, input: h5('unmapped') }, 'unmapped_labels', /"natural killer cel"/);
  const mapped = await readAll((await run({ ...base, input: h5('unmapped'), labelOptions: { labelMap: new Map([['natural killer cel', 'CL:0000623']]) } })).out);
  assert.equal(mapped.rows[4]!.clId, 'CL:0000623');
  assert.equal(mapped.rows[4]!.subtype, 'natural killer cel');
  await assertFails({ ...base, input: h5('csc'), matrix: { X: true } }, 'invalid_input', /X is CSC \(column-compressed\).*tocsr/);
  await assertFails({ ...base, input: h5('compound') }, 'invalid_input', /obs is a compound dataset \(anndata < 0\.7\)/);
  await assertFails({ ...base, input: h5('current'), matrix: { obsm: 'X_umap' } }, 'invalid_input', /no obsm key "X_umap" \(obsm keys: .*X_pca/);
  await assertFails({ ...base, input: h5('current'), matrix: { obsm: 'X_int' } }, 'invalid_input', /dtype int32; an embedding must be float32 or float64/);
  await assertFails({ ...base, input: h5('current'), labels: { labelColumn: 'celltype' } }, 'invalid_input', /obs has no column "celltype" \(columns: .*cell_type/);
  await assertFails({ ...base, input: h5('current'), labels: { clIdColumn: 'cell_type' } }, 'invalid_input', /4 value\(s\) of the CL id column are not CL ids \("T cell", "B cell", .*\); for names use --label-column/);
  await assertFails({ ...base, input: h5('unmapped') }, 'unmapped_labels', /"natural killer cel".*natural killer cell/);
});

test('not an HDF5 file, missing file, .h5ad without a matrix choice', async () => {
  const fake = join(root, 'fake.h5ad');
  writeFileSync(fake, 'PAR1 not hdf5');
  await assertFails({ input: fake, matrix: { obsm: 'X_pca' }, labels: { labelColumn: 'cell_type' } }, 'invalid_input', /not an HDF5/);
  await assertFails({ input: join(root, 'none.h5ad'), matrix: { obsm: 'X_pca' }, labels: { labelColumn: 'cell_type' } }, 'file_not_found', /none\.h5ad/);
  await assertFails({ input: join(COMMITTED, 'anndata-legacy.h5ad'), labels: { labelColumn: 'cell_type' } }, 'invalid_argument', /--obsm KEY or --X/);
});

function emb(i: number, d: number): number[] {
  return Array.from({ length: d }, (_, k) => (i % 4) * 2 + k * 0.25 + i * 0.01);
}

test('.npy (float32 and float64) + labels TSV', { skip: noObo }, async () => {
  const d = 5;
  const values = Array.from({ length: N }, (_, i) => emb(i, d)).flat();
  await writeNpy(join(root, 'e32.npy'), new Float32Array(values), [N, d]);
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${N}, ${d}), }`;
  const header = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 118, 0]), Buffer.from(`${dict.padEnd(117, ' ')}\n`, 'latin1')]);
  writeFileSync(join(root, 'e64.npy'), Buffer.concat([header, Buffer.from(new Float64Array(values).buffer)]));
  const tsv = ['barcode\tcell_type\tdonor', ...Array.from({ length: N }, (_, i) => `bc${i}\t${LABELS[i % 4]}\td${i % 2}`)].join('\n');
  writeFileSync(join(root, 'labels.tsv'), `${tsv}\n`);
  const opts = { labelsFile: join(root, 'labels.tsv'), labels: { labelColumn: 'cell_type' }, idColumn: 'barcode', keepColumns: ['donor'] } as const;
  const a = await readAll((await run({ ...opts, input: join(root, 'e32.npy') })).out);
  const b = await readAll((await run({ ...opts, input: join(root, 'e64.npy') })).out);
  assert.equal(a.reader.dim, d);
  assert.deepEqual(b.rows, a.rows);
  assert.deepEqual(a.rows.map((r) => r.id), Array.from({ length: N }, (_, i) => `bc${i}`));
  assert.deepEqual(a.rows[1]!.emb, Array.from(new Float32Array(emb(1, d))));
  await assertFails({ ...opts, input: join(root, 'e32.npy'), labelsFile: join(root, 'missing.tsv') }, 'file_not_found', /missing\.tsv/);
  await writeNpy(join(root, 'short.npy'), new Float32Array(values.slice(0, 3 * d)), [3, d]);
  await assertFails({ ...opts, input: join(root, 'short.npy') }, 'invalid_input', /has 3 rows but .*labels\.tsv has 12/);
  await writeNpy(join(root, 'empty.npy'), new Float32Array(0), [0, d]);
  writeFileSync(join(root, 'empty.tsv'), 'barcode\tcell_type\tdonor\n');
  await assertFails({ ...opts, input: join(root, 'empty.npy'), labelsFile: join(root, 'empty.tsv') }, 'invalid_input', /0 rows/);
  await writeNpy(join(root, 'ints.npy'), new Int32Array(N * d), [N, d]);
  await assertFails({ ...opts, input: join(root, 'ints.npy') }, 'invalid_input', /dtype <i4/);
});

test('CSV with one column per dimension, and TSV with one embedding column', { skip: noObo }, async () => {
  const d = 3;
  const csv = ['cell_id,cell_type,x0,x1,x2', ...Array.from({ length: N }, (_, i) => `c${i},"${LABELS[i % 4]}",${emb(i, d).join(',')}`)].join('\r\n');
  writeFileSync(join(root, 'cells.csv'), csv);
  const tsv = ['cell_id\tcell_type\tembedding', ...Array.from({ length: N }, (_, i) => `c${i}\t${LABELS[i % 4]}\t[${emb(i, d).join(', ')}]`)].join('\n');
  writeFileSync(join(root, 'cells.tsv'), tsv);
  const opts = { labels: { labelColumn: 'cell_type' }, idColumn: 'cell_id' } as const;
  const a = await readAll((await run({ ...opts, input: join(root, 'cells.csv') })).out);
  const b = await readAll((await run({ ...opts, input: join(root, 'cells.tsv') })).out);
  assert.equal(a.reader.dim, d);
  assert.deepEqual(b.rows, a.rows);
  assert.deepEqual(a.rows[2]!.emb, Array.from(new Float32Array(emb(2, d))));
  writeFileSync(join(root, 'text.csv'), 'cell_id,cell_type,x0,tissue\nc0,B cell,1,blood\n');
  await assertFails({ ...opts, input: join(root, 'text.csv') }, 'non_finite', /1 row\(s\) have NaN .*row 0 \(id "c0"\)/);
  writeFileSync(join(root, 'ragged.tsv'), 'cell_id\tcell_type\tembedding\nc0\tB cell\t1 2 3\nc1\tB cell\t1 2\n');
  await assertFails({ ...opts, input: join(root, 'ragged.tsv') }, 'wrong_dimension', /line 3: embedding has 2 values, the first row has 3/);
  writeFileSync(join(root, 'fields.csv'), 'cell_id,cell_type,x0\nc0,B cell\n');
  await assertFails({ ...opts, input: join(root, 'fields.csv') }, 'invalid_input', /line 2 has 2 fields, the header has 3/);
});

test('pure helpers: quoted fields, npy header', () => {
  assert.deepEqual(splitFields('a,"b, c","d ""e"""', ','), ['a', 'b, c', 'd "e"']);
  assert.throws(() => splitFields('a,"b', ','), (e) => isAtlasError(e, 'invalid_input'));
  assert.throws(() => parseNpyHeader(Buffer.from('hello world'), 'x.npy'), (e) => isAtlasError(e, 'invalid_input'));
});

test('CLI import: --help shows a worked example; bad input is one line, exit 1', { skip: noObo }, async () => {
  const help = await runCliInProcess(['import', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /fractal-atlas import --in pbmc\.h5ad --obsm X_pca --label-column cell_type/);
  const out = join(root, 'cli.parquet');
  const ok = await runCliInProcess(['import', '--in', join(COMMITTED, 'anndata-current.h5ad'), '--obsm', 'X_pca', '--label-column', 'cell_type', '--obo', SHARED_OBO_PATH, '--out', out]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /rows: 12/);
  assert.match(ok.stdout, /rows\/s/);
  const bad = await runCliInProcess(['import', '--in', join(COMMITTED, 'anndata-current.h5ad'), '--obsm', 'nope', '--label-column', 'cell_type', '--obo', SHARED_OBO_PATH, '--out', join(root, 'bad.parquet')]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^fractal-atlas: .*no obsm key "nope"[^\n]*\n$/);
  assert.ok(!existsSync(join(root, 'bad.parquet')));
  const both = await runCliInProcess(['import', '--in', 'x.h5ad', '--obsm', 'a', '--label-column', 'a', '--cl-id-column', 'b', '--out', 'y']);
  assert.equal(both.status, 2);
  assert.match(both.stderr, /exactly one of --label-column/);
});
