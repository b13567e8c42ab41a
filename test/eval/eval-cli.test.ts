import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCliInProcess } from '../support/run-cli.js';
import { LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import { createAtlasWriter, type EncodedColumn } from '../../atlas/index.js';
import { runEvaluation, type EvaluationReport, type IndexEvaluationReport } from '../../eval/index.js';
import { IDENTITY_ADAPTER, openAdapter } from '../../adapter/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { uniformStream } from '../support/random.js';

const root = mkdtempSync(join(tmpdir(), 'eval-cli-'));
const atlasPath = join(root, 'tiny.parquet');
after(() => rmSync(root, { recursive: true, force: true }));


/** 300 cells, 16 dims: 2 systems × 2 lineages × 2 types × 2 subtypes, each a tight cluster. */
before(async () => {
  const n = 300;
  const dim = 16;
  const u = uniformStream(11);
  const centre = (leaf: number) => Array.from({ length: dim }, (_, d) => ((leaf >> (d % 4)) & 1 ? 1 : -1) * (d < 4 ? 2 : 1));
  const embeddings = new Float32Array(n * dim);
  const leaves = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const leaf = i % 16;
    leaves[i] = leaf;
    const c = centre(leaf);
    for (let d = 0; d < dim; d++) embeddings[i * dim + d] = c[d] + 0.3 * (u() - 0.5);
  }
  const level = (name: string, shift: number): EncodedColumn => {
    const groups = 16 >> shift;
    return { codes: Int32Array.from(leaves, (l) => l % groups), dictionary: Array.from({ length: groups }, (_, g) => `${name}${g}`) };
  };
  const levels = {} as Record<LevelColumn, EncodedColumn>;
  LEVEL_COLUMNS.forEach((c, i) => (levels[c] = level(c.split('_')[1], 3 - i)));
  const writer = await createAtlasWriter(atlasPath, { dim, rowGroupSize: 64 });
  await writer.write({ numRows: n, dim, embeddings, levels, cellIds: Array.from({ length: n }, (_, i) => `cell${i}`) });
  await writer.close();
});

function runCli(args: string[]) {
  return runCliInProcess(['eval', ...args]);
}

test('eval --json on a tiny atlas with the identity adapter prints every number', async () => {
  const r = await runCli(['--reference', atlasPath, '--adapter', 'identity', '--samples', '200', '--k', '5', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as EvaluationReport;
  assert.equal(report.sample.n, 200);
  assert.equal(report.reference.cells, 300);
  assert.deepEqual(report.levelColumns, [...LEVEL_COLUMNS]);
  assert.deepEqual(report.table.rows.map((x) => x.key), ['original', 'full']);
  for (const row of report.table.rows) {
    assert.equal(row.levels.length, 4);
    // Clusters are tight and far apart: every level is voted right.
    for (const l of row.levels) assert.equal(l.accuracy, 1, `${row.name} ${l.level}`);
    assert.ok(row.silhouetteL1! > 0.1 && row.silhouetteL1! <= 1);
  }
  // One scale: prefix 1 is the full embedding, so steerability is 0 by construction.
  assert.equal(report.table.steerability, 0);
});

test('eval prints the table by default', async () => {
  const r = await runCli(['--reference', atlasPath, '--adapter', 'identity', '--samples', '100', '--no-silhouette']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Original/);
  assert.match(r.stdout, /Fractal \(full\)/);
  assert.match(r.stdout, /acc system/);
  assert.match(r.stdout, /steerability S =/);
});

test('eval errors are one readable line', async () => {
  const missing = await runCli(['--reference', join(root, 'nope.parquet'), '--adapter', 'identity']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /^fractal-atlas: atlas file not found: .*nope\.parquet\n$/);
  const noAdapter = await runCli(['--reference', atlasPath]);
  assert.equal(noAdapter.status, 2);
  assert.match(noAdapter.stderr, /^fractal-atlas: eval: --adapter is required\n$/);
  const badK = await runCli(['--reference', atlasPath, '--adapter', 'identity', '--k', 'five']);
  assert.equal(badK.status, 2);
  assert.match(badK.stderr, /--k must be an integer/);
  const notParquet = join(root, 'bad.parquet');
  writeFileSync(notParquet, 'this is not parquet at all');
  const bad = await runCli(['--reference', notParquet, '--adapter', 'identity']);
  assert.equal(bad.status, 1);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /^fractal-atlas: /);
  const noIndex = await runCli(['--index', join(root, 'no-index'), '--reference', atlasPath]);
  assert.equal(noIndex.status, 1);
  assert.match(noIndex.stderr, /^fractal-atlas: index folder not found: .*no-index\n$/);
});

test('runEvaluation scores a two-scale adapter: steerable blocks give S > 0', async () => {
  // A fake two-scale adapter: block 1 = the system sign pattern only, block 2 = the input.
  const inner = await openAdapter(IDENTITY_ADAPTER, { inputDim: 16 });
  const report = await runEvaluation({
    referencePath: atlasPath,
    adapterPath: 'fake.onnx',
    samples: 300,
    k: 5,
    silhouette: false,
    openAdapter: async () => ({
      ...inner,
      identity: false,
      numScales: 2,
      scaleDim: 16,
      async embed(x, n) {
        const out = new Float32Array(n * 32);
        for (let i = 0; i < n; i++) {
          // Dim 0 carries the system bit (leaf % 2): block 1 keeps it and drops the rest of the cell.
          for (let d = 0; d < 16; d++) out[i * 32 + d] = d === 0 ? Math.sign(x[i * 16]) : 0;
          out.set(x.subarray(i * 16, (i + 1) * 16), i * 32 + 16);
        }
        return out;
      },
    }),
  });
  assert.deepEqual(report.table.rows.map((r) => r.key), ['original', 'full', 'prefix1']);
  const p1 = report.table.rows[2];
  assert.equal(p1.dims, 16);
  assert.equal(p1.levels[0].accuracy, 1);
  assert.ok(p1.levels[3].accuracy < 0.5, `prefix-1 subtype accuracy ${p1.levels[3].accuracy}`);
  assert.ok(report.table.steerability > 0.4, `S = ${report.table.steerability}`);
});

test('eval --index: per-prefix and original index rows, leave-one-out and held out', async () => {
  const indexDir = join(root, 'index');
  await buildAtlasIndex({ referencePath: atlasPath, adapterPath: 'identity', outDir: indexDir, withOriginal: true, threads: 1 });
  const loo = await runCli(['--index', indexDir, '--reference', atlasPath, '--samples', '120', '--json']);
  assert.equal(loo.status, 0, loo.stderr);
  const report = JSON.parse(loo.stdout) as IndexEvaluationReport;
  assert.equal(report.queries.leaveOneOut, true);
  assert.equal(report.queries.n, 120);
  assert.equal(report.index.cells, 300);
  assert.deepEqual(report.rows.map((r) => r.key), ['original', 'prefix1', 'served']);
  for (const row of report.rows) for (const l of row.levels) assert.equal(l.accuracy, 1, `${row.key} ${l.level}`);
  // Held-out queries (here: the same file, so each cell's own hit counts) add the service's annotate vote.
  const held = await runCli(['--index', indexDir, '--queries', atlasPath, '--samples', '50']);
  assert.equal(held.status, 0, held.stderr);
  assert.match(held.stdout, /held out/);
  assert.match(held.stdout, /Annotate \(service vote\)/);
  assert.match(held.stdout, /Original \(index\)/);
});

test('eval --index refuses a reference atlas that is not the one the index was built from', async () => {
  const indexDir = join(root, 'index-sha');
  await buildAtlasIndex({ referencePath: atlasPath, adapterPath: 'identity', outDir: indexDir, threads: 1 });
  const bytes = readFileSync(atlasPath);
  const longer = join(root, 'longer.parquet');
  writeFileSync(longer, Buffer.concat([bytes, Buffer.from([0])]));
  const r1 = await runCli(['--index', indexDir, '--reference', longer, '--samples', '20']);
  assert.equal(r1.status, 1);
  assert.match(r1.stderr, /^fractal-atlas: .*longer\.parquet is not the atlas of this index: it has \d+ bytes, the index was built from tiny\.parquet/);
  const changed = join(root, 'changed.parquet');
  const copy = Buffer.from(bytes);
  copy[Math.floor(copy.length / 2)] ^= 0xff;
  writeFileSync(changed, copy);
  const r2 = await runCli(['--index', indexDir, '--reference', changed, '--samples', '20']);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /^fractal-atlas: .*changed\.parquet is not the atlas of this index: sha256 [0-9a-f]{12}…/);
  assert.equal(r2.stdout, '');
});
