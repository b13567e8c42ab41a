/**
 * `fractal-atlas annotate` against a small real index: every input format gives the rows /v1/annotate answers
 * (over real HTTP) for the same cells and options; Parquet and .h5ad outputs load back; errors leave no file.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { isAtlasError } from '../../common/index.js';
import { splitFields } from '../../atlas/index.js';
import { runAnnotate } from '../../batch/index.js';
import { annotateCommand } from '../../cli/commands/annotate.js';
import { openAtlasIndex, annotationColumnNames, type AtlasIndexService, type CellAnnotation } from '../../search/index.js';
import { SILENT_LOGGER, startServer, type RunningServer } from '../../server/index.js';
import { shortLevelName, type LevelColumn } from '../../common/index.js';
import { createDemoFixture, type DemoFixture } from '../server/demo-fixture.js';
import { call } from '../server/http-client.js';
import { hasAnndata, runPython, writeCellsCsv, writeCellsH5ad, writeCellsNpy, writeCellsParquet, writeIdsTsv } from './fixture-files.js';

const OPTIONS = { k: '20', weighting: 'distance', min_confidence: '0.3' };

let fx: DemoFixture;
let service: AtlasIndexService;
let server: RunningServer;
/** The JSON answer of /v1/annotate for the held-out cells with OPTIONS. */
let expected: CellAnnotation[];
let levels: readonly LevelColumn[];

const num = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));

/** The table row a JSON cell stands for, as text (the CSV's cells). */
function rowOf(id: string, c: CellAnnotation): string[] {
  const out = [id];
  for (const l of levels) {
    const v = c.levels[l]!;
    const k = c.consistent[l]!;
    out.push(v.label, num(v.confidence), num(v.vs2nd), num(v.vsAll), num(v.min_dist), num(v.max_dist), k.label, num(k.confidence));
  }
  out.push(num(c.nearest_distance), String(c.out_of_reference));
  return out;
}

async function readRows(path: string, delimiter: string): Promise<string[][]> {
  const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
  return lines.map((l) => splitFields(l, delimiter));
}

/** In-process (workers: 0) unless a test asks for workers: a worker costs ~0.6 s CPU to start (ONNX session, modules). */
function annotate(extra: Partial<Parameters<typeof runAnnotate>[0]> & { input: string; out: string }) {
  return runAnnotate({ indexDir: fx.indexDir, adapterPath: fx.adapterPath, request: OPTIONS, progress: false, blockRows: 100, workers: 0, ...extra });
}

before(async () => {
  fx = await createDemoFixture(3000, 250);
  service = await openAtlasIndex(fx.indexDir, { adapterPath: fx.adapterPath, workers: 0 });
  server = await startServer(service, { port: 0, handleSignals: false, logger: SILENT_LOGGER });
  levels = fx.manifest.levelColumns;
  const body = { embeddings: Array.from({ length: fx.heldOut.n }, (_, i) => fx.row(fx.heldOut, i)), k: 20, weighting: 'distance', min_confidence: 0.3 };
  const reply = await call(server.url, 'POST', '/v1/annotate', { body });
  assert.equal(reply.status, 200);
  expected = reply.body.cells;
  await writeCellsCsv(join(fx.dir, 'cells.csv'), fx.heldOut);
  await writeCellsNpy(join(fx.dir, 'cells.npy'), fx.heldOut);
  await writeCellsParquet(join(fx.dir, 'cells.parquet'), fx.heldOut);
});

after(async () => {
  await server?.close();
  await fx?.cleanup();
});

describe('annotate matches /v1/annotate', () => {
  test('CSV in → CSV out (the default 2 workers): header, one row per cell, the JSON answer\'s values', async () => {
    const out = join(fx.dir, 'from-csv.csv');
    const r = await annotate({ input: join(fx.dir, 'cells.csv'), out, workers: undefined });
    assert.equal(r.cells, fx.heldOut.n);
    const [header, ...rows] = await readRows(out, ',');
    assert.deepEqual(header, annotationColumnNames(levels));
    assert.equal(header![1], `${shortLevelName(levels[0]!)}_label`);
    assert.equal(rows.length, fx.heldOut.n);
    rows.forEach((row, i) => assert.deepEqual(row, rowOf(fx.heldOut.cellIds[i]!, expected[i]!), `row ${i}`));
  });

  test('.npy in → TSV out (ids are row numbers)', async () => {
    const out = join(fx.dir, 'from-npy.tsv');
    await annotate({ input: join(fx.dir, 'cells.npy'), out });
    const [, ...rows] = await readRows(out, '\t');
    rows.forEach((row, i) => assert.deepEqual(row, rowOf(String(i), expected[i]!), `row ${i}`));
  });

  test('atlas Parquet in → Parquet out, with accuracy against a level column', async () => {
    const out = join(fx.dir, 'from-parquet.parquet');
    const r = await annotate({ input: join(fx.dir, 'cells.parquet'), out, truthColumn: 'level4_subtype' });
    const table = tableFromIPC(parquet.readParquet(await readFile(out)).intoIPCStream());
    assert.deepEqual(table.schema.fields.map((f) => f.name), annotationColumnNames(levels));
    assert.equal(table.numRows, fx.heldOut.n);
    for (let i = 0; i < fx.heldOut.n; i++) {
      const got = table.schema.fields.map((f) => {
        const v = table.getChild(f.name)!.get(i);
        return typeof v === 'number' ? String(v) : v === null ? '' : String(v);
      });
      assert.deepEqual(got, rowOf(fx.heldOut.cellIds[i]!, expected[i]!), `row ${i}`);
    }
    // The accuracy is the share of JSON labels equal to the truth, level by level.
    for (const s of r.truth!.levels) {
      const right = expected.filter((c, i) => c.levels[s.level]!.label === fx.heldOut.labels[s.level][i]).length;
      assert.equal(s.accuracy, right / fx.heldOut.n, s.level);
      assert.ok(s.macroF1 > 0 && s.macroF1 <= 1);
    }
    assert.equal(r.truth!.levels.length, levels.length);
  });

  test('.h5ad in → CSV and --h5ad-out that anndata loads with the columns in obs', async (t) => {
    if (!hasAnndata()) return t.skip('Debian python3 without anndata: no .h5ad fixture (apt-get install python3-anndata)');
    await writeIdsTsv(join(fx.dir, 'ids.tsv'), fx.heldOut);
    const h5ad = join(fx.dir, 'cells.h5ad');
    writeCellsH5ad(h5ad, join(fx.dir, 'cells.npy'), fx.heldOut, join(fx.dir, 'ids.tsv'));
    const out = join(fx.dir, 'from-h5ad.csv');
    const h5adOut = join(fx.dir, 'annotated.h5ad');
    const r = await annotate({ input: h5ad, obsm: 'X_emb', out, h5adOut, truthColumn: 'cell_type' });
    const [, ...rows] = await readRows(out, ',');
    rows.forEach((row, i) => assert.deepEqual(row, rowOf(fx.heldOut.cellIds[i]!, expected[i]!), `row ${i}`));
    assert.equal(r.truth!.unknown, 0);
    const dumped = runPython(
      ['import sys, json, anndata', 'a = anndata.read_h5ad(sys.argv[1])', 'o = a.obs', 'print(json.dumps({"index": list(o.index), "cols": list(o.columns), "rows": [[str(v) for v in o.iloc[i]] for i in range(len(o))]}))'].join('\n'),
      [h5adOut],
    );
    const back = JSON.parse(dumped) as { index: string[]; cols: string[]; rows: string[][] };
    assert.deepEqual(back.index, fx.heldOut.cellIds);
    assert.deepEqual(back.cols, ['cell_type', ...annotationColumnNames(levels).slice(1)]);
    const labelCol = back.cols.indexOf(`${shortLevelName(levels.at(-1)!)}_label`);
    const oor = back.cols.indexOf('out_of_reference');
    back.rows.forEach((row, i) => {
      assert.equal(row[labelCol], expected[i]!.levels[levels.at(-1)!]!.label);
      assert.equal(row[oor], expected[i]!.out_of_reference ? '1' : '0');
    });
  });
});

describe('annotate errors: one code, no output file', () => {
  async function noOutput(out: string) {
    assert.equal(existsSync(out), false);
    const stray = (await readdir(fx.dir)).filter((f) => f.endsWith('.tmp'));
    assert.deepEqual(stray, []);
  }

  test('k out of range, unknown filter level, missing input, wrong dimension, NaN with its row', async () => {
    const out = join(fx.dir, 'never.csv');
    await assert.rejects(annotate({ input: join(fx.dir, 'cells.csv'), out, request: { k: '0' } }), (e) => isAtlasError(e, 'k_out_of_range'));
    await noOutput(out);
    await assert.rejects(annotate({ input: join(fx.dir, 'cells.csv'), out, request: { filter: '{"include": {"tissue": ["x"]}}' } }), (e) => isAtlasError(e, 'unknown_level'));
    await assert.rejects(annotate({ input: join(fx.dir, 'cells.csv'), out, request: { plan: 'fastest' } }), (e) => isAtlasError(e, 'invalid_request') && /plan/.test(e.message));
    await assert.rejects(annotate({ input: join(fx.dir, 'missing.csv'), out }), (e) => isAtlasError(e, 'file_not_found'));
    const narrow = { ...fx.heldOut, dim: 8, embeddings: fx.heldOut.embeddings.slice(0, fx.heldOut.n * 8) };
    await writeCellsCsv(join(fx.dir, 'narrow.csv'), narrow);
    await assert.rejects(annotate({ input: join(fx.dir, 'narrow.csv'), out }), (e) => isAtlasError(e, 'wrong_dimension'));
    await writeCellsCsv(join(fx.dir, 'nan.csv'), fx.heldOut, 170);
    await assert.rejects(annotate({ input: join(fx.dir, 'nan.csv'), out }), (e) => isAtlasError(e, 'non_finite') && /input row 170/.test(e.message));
    await noOutput(out);
  });

  test('--h5ad-out needs an .h5ad input; unknown output extension; --obsm only for .h5ad', async () => {
    const out = join(fx.dir, 'never.csv');
    await assert.rejects(annotate({ input: join(fx.dir, 'cells.csv'), out, h5adOut: join(fx.dir, 'x.h5ad') }), (e) => isAtlasError(e, 'invalid_argument'));
    await assert.rejects(annotate({ input: join(fx.dir, 'cells.csv'), out: join(fx.dir, 'x.json') }), (e) => isAtlasError(e, 'invalid_argument'));
    await assert.rejects(annotate({ input: join(fx.dir, 'cells.csv'), out, obsm: 'X' }), (e) => isAtlasError(e, 'invalid_argument'));
    await noOutput(out);
  });

  test('the command checks --verify and needs --index', async () => {
    const io = { stdout: process.stdout, stderr: process.stderr };
    const base = { index: fx.indexDir, in: 'x.csv', out: 'y.csv', adapter: 'identity' };
    await assert.rejects(annotateCommand.run({ ...base, verify: 'most' }, [], io), (e) => isAtlasError(e, 'invalid_argument') && /--verify/.test(e.message));
    await assert.rejects(annotateCommand.run({ in: 'x.csv', out: 'y.csv', adapter: 'identity' }, [], io), (e) => isAtlasError(e, 'invalid_argument') && /--index/.test(e.message));
  });
});


