import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { runCliInProcess } from '../support/run-cli.js';
import { isAtlasError, LEVEL_COLUMNS } from '../../common/index.js';
import { createDemoGenerator, createDemoModel, loadCellTypeTable, openAtlas, parseCellTypeTable, writeDemoAtlas } from '../../atlas/index.js';
import { SMALL_TABLE_TSV } from './demo-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'demo-atlas-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const TABLE = join(dir, 'types.tsv');
writeFileSync(TABLE, SMALL_TABLE_TSV);
const TYPES = parseCellTypeTable(SMALL_TABLE_TSV);

function cli(...args: string[]) {
  return runCliInProcess(['demo-atlas', ...args]);
}

test('writes the atlas schema and reads back exactly what the generator made', async () => {
  const path = join(dir, 'a.parquet');
  const result = await writeDemoAtlas(path, { types: TYPES, cells: 3000, seed: 4, chunkSize: 700, rowGroupSize: 1024 });
  assert.equal(result.summary.rows, 3000);
  assert.equal(result.summary.classesPerLevel.level1_system, 8);
  const reader = await openAtlas(path);
  assert.equal(reader.numRows, 3000);
  assert.equal(reader.dim, 128);
  assert.ok(reader.hasCellIds && reader.hasClIds);
  assert.deepEqual(reader.rowGroupSizes, [1024, 1024, 952]);
  const expected = createDemoGenerator(createDemoModel(TYPES, 4)).next(3000).batch;
  for (let g = 0; g < reader.numRowGroups; g++) {
    const b = await reader.readRowGroup(g);
    const o = b.rowOffset;
    assert.deepEqual(Buffer.from(b.embeddings.buffer, b.embeddings.byteOffset, b.embeddings.byteLength), Buffer.from(expected.embeddings.buffer, o * 512, b.numRows * 512));
    assert.deepEqual(b.cellIds, expected.cellIds.slice(o, o + b.numRows));
    for (let i = 0; i < b.numRows; i++) {
      for (const col of LEVEL_COLUMNS) {
        assert.equal(b.levels[col].dictionary[b.levels[col].codes[i]], expected.levels[col].dictionary[expected.levels[col].codes[o + i]]);
      }
      assert.equal(b.clIds!.dictionary[b.clIds!.codes[i]], expected.clIds.dictionary[expected.clIds.codes[o + i]]);
    }
  }
});

test('same seed → byte-identical files; another seed → a different file', async () => {
  // (Rows do not depend on the chunk size either — the test above reads them back — but Parquet page
  // boundaries do, so byte identity is checked with equal options.)
  const a = join(dir, 'same-a.parquet');
  const b = join(dir, 'same-b.parquet');
  const c = join(dir, 'other.parquet');
  await writeDemoAtlas(a, { types: TYPES, cells: 1000, seed: 9, workers: 0 });
  await writeDemoAtlas(b, { types: TYPES, cells: 1000, seed: 9, workers: 0 });
  await writeDemoAtlas(c, { types: TYPES, cells: 1000, seed: 10 });
  assert.ok(readFileSync(a).equals(readFileSync(b)));
  assert.ok(!readFileSync(a).equals(readFileSync(c)));
});

test('worker threads write the same bytes as the main thread', async () => {
  const serial = join(dir, 'serial.parquet');
  const threaded = join(dir, 'threaded.parquet');
  // Two chunks of the generator's 4,096-cell blocks, one per worker, the second one partial.
  const opts = { types: TYPES, cells: 4096 + 77, seed: 21, chunkSize: 4096 };
  const s = await writeDemoAtlas(serial, { ...opts, workers: 0 });
  const t = await writeDemoAtlas(threaded, { ...opts, workers: 2 });
  assert.equal(s.workers, 0);
  assert.equal(t.workers, 2);
  assert.deepEqual(t.summary, s.summary);
  assert.ok(readFileSync(serial).equals(readFileSync(threaded)));
});

test('--start-cell continues the same stream: rows equal the later rows of a file from 0, serial or threaded', async () => {
  const whole = join(dir, 'whole.parquet');
  await writeDemoAtlas(whole, { types: TYPES, cells: 2 * 4096 + 100, seed: 5, workers: 0 });
  const wholeRows = await openAtlas(whole);
  const tail = await wholeRows.readRowGroup(0);
  for (const workers of [0, 2]) {
    const later = join(dir, `later-${workers}.parquet`);
    // 4,196 cells in chunks of 4,096: two chunks, so the threaded run really uses its workers.
    await writeDemoAtlas(later, { types: TYPES, cells: 4096 + 100, seed: 5, startCell: 4096, chunkSize: 4096, workers });
    const b = await (await openAtlas(later)).readRowGroup(0);
    assert.equal(b.numRows, 4096 + 100);
    assert.equal(b.cellIds[0], tail.cellIds[4096]);
    assert.deepEqual(b.cellIds.slice(0, 5), tail.cellIds.slice(4096, 4101));
    const want = tail.embeddings.subarray(4096 * tail.dim, (2 * 4096 + 100) * tail.dim);
    assert.deepEqual(Buffer.from(b.embeddings.buffer, b.embeddings.byteOffset, b.embeddings.byteLength), Buffer.from(want.buffer, want.byteOffset, want.byteLength));
  }
  await assert.rejects(writeDemoAtlas(join(dir, 'bad-start.parquet'), { types: TYPES, cells: 10, seed: 5, startCell: 100 }), (e) => isAtlasError(e, 'invalid_argument'));
});

test('the committed cell-type table loads and drives the generator', async (t) => {
  const path = fileURLToPath(new URL('../../../data/demo-cell-types.tsv', import.meta.url));
  if (!existsSync(path)) return t.skip('data/demo-cell-types.tsv not present');
  const types = await loadCellTypeTable(path);
  assert.ok(types.length >= 150, `${types.length} types`);
  const model = createDemoModel(types, 1);
  assert.equal(model.dictionaries.level4_subtype.length, types.length);
  assert.equal(new Set(types.map((x) => x.level1_system)).size, 8);
});

test('CLI: writes the file and prints the summary', async () => {
  const out = join(dir, 'cli.parquet');
  const r = await cli('--cells', '1500', '--seed', '2', '--out', out, '--types', TABLE, '--compression', 'snappy');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /rows: 1,500/);
  assert.match(r.stdout, /Immune\s+[\d,]+\s+\d+\.\d %/);
  assert.ok(existsSync(out));
});

test('CLI: bad arguments get one readable line and a non-zero exit', async () => {
  const out = join(dir, 'never.parquet');
  const cases: [string[], RegExp][] = [
    [['--seed', '1', '--out', out, '--types', TABLE], /--cells is required/],
    [['--cells', '10', '--out', out, '--types', TABLE], /--seed is required/],
    [['--cells', '10', '--seed', '1', '--types', TABLE], /--out is required/],
    [['--cells', '0', '--seed', '1', '--out', out, '--types', TABLE], /--cells must be an integer/],
    [['--cells', 'many', '--seed', '1', '--out', out, '--types', TABLE], /--cells must be an integer/],
    [['--cells', '10', '--seed=-3', '--out', out, '--types', TABLE], /--seed must be an integer/],
    [['--cells', '10', '--seed', '1.5', '--out', out, '--types', TABLE], /--seed must be an integer/],
    [['--cells', '10', '--seed', '1', '--out', out, '--types', join(dir, 'missing.tsv')], /cell-type table not found/],
    [['--cells', '10', '--seed', '1', '--out', join(dir, 'no-such-dir', 'x.parquet'), '--types', TABLE], /cannot create/],
    [['--cells', '10', '--seed', '1', '--out', out, '--bogus'], /unknown option --bogus/],
    [['--cells', '10', '--seed', '1', '--out', out, '--types', TABLE, '--workers', 'x'], /--workers must be an integer/],
    [['--cells', '10', '--seed', '1', '--out', out, '--types', TABLE, '--compression', 'gzip'], /^fractal-atlas: demo-atlas: --compression must be one of zstd, snappy, got "gzip"/],
  ];
  for (const [args, re] of cases) {
    const r = await cli(...args);
    assert.notEqual(r.status, 0, args.join(' '));
    assert.match(r.stderr, /^fractal-atlas: /);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.ok(!existsSync(out));
});

test('bad writeDemoAtlas options are rejected before anything is written', async () => {
  const out = join(dir, 'bad.parquet');
  await assert.rejects(writeDemoAtlas(out, { types: TYPES, cells: 0, seed: 1 }), (e) => isAtlasError(e, 'invalid_argument'));
  await assert.rejects(writeDemoAtlas(out, { types: TYPES, cells: 10, seed: 1, chunkSize: 0 }), (e) => isAtlasError(e, 'invalid_argument'));
  await assert.rejects(writeDemoAtlas(out, { types: TYPES, cells: 10, seed: 1, workers: -1 }), (e) => isAtlasError(e, 'invalid_argument'));
  assert.ok(!existsSync(out));
});
