/**
 * `fractal-atlas encode` on anndata-written .h5ad files: raw counts from layers['counts'] (CSR) or a dense X,
 * symbols from a var column, genes in another order with missing and extra ones — against PyTorch's
 * embeddings of the same counts aligned the SCimilarity way; and `annotate --expression` of such a file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ENCODER_PARITY_TOLERANCE, pythonPath, readNpy, writeNpy } from '../../adapter/index.js';
import { createAtlasWriter } from '../../atlas/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { FIXTURE_GENES, cellCounts, createRng, encoderFixture, runFixtureScript, type EncoderFixture } from '../adapter/encoder-fixture.js';
import { TORCH_SKIP, maxAbsDiff, tempDir } from '../adapter/helpers.js';
import { runCliInProcess } from '../support/run-cli.js';
import { ANNDATA_SKIP } from '../support/python-packages.js';

const PYTHON_SKIP = TORCH_SKIP || ANNDATA_SKIP;

/** Genes of the file: model genes 10.. in reverse, some upper-cased, and three the model does not know. */
const GENES = [...Array.from({ length: FIXTURE_GENES - 10 }, (_, i) => FIXTURE_GENES - 1 - i).map((g) => (g % 5 === 0 ? `GENE${g}` : `Gene${g}`)), 'Xist2', 'Mt-Foo', 'Bar1'];
const N = 20;

let f: EncoderFixture;
let dir: string;
let expected: Float32Array;
let counts: Float32Array;

const runCli = (args: string[]) => runCliInProcess(args);

before(async () => {
  if (PYTHON_SKIP) return;
  f = await encoderFixture();
  dir = tempDir('encode-cli');
  const r = createRng(21);
  counts = new Float32Array(N * GENES.length);
  for (let i = 0; i < N; i++) {
    const model = cellCounts(i % 4, r);
    GENES.forEach((g, q) => (counts[i * GENES.length + q] = /^gene\d+$/i.test(g) ? model[Number(g.slice(4))]! : 3));
  }
  await writeNpy(join(dir, 'counts.npy'), counts, [N, GENES.length]);
  writeFileSync(join(dir, 'genes.json'), JSON.stringify(GENES));
  runFixtureScript('make_counts_h5ad.py', [dir, join(dir, 'counts.npy'), join(dir, 'genes.json'), '--layouts', 'csr-layer,dense-x,no-counts']);
  runFixtureScript('scimilarity_reference.py', [f.modelDir, join(dir, 'counts.npy'), join(dir, 'genes.json'), join(dir, 'expected.npy')]);
  expected = (await readNpy(join(dir, 'expected.npy'))).data as Float32Array;
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('fractal-atlas encode', { skip: PYTHON_SKIP }, () => {
  test("layers['counts'] (CSR) with symbols in var['feature_name'] → PyTorch's embeddings", async () => {
    const out = join(dir, 'csr.npy');
    const r = await runCli(['encode', '--in', join(dir, 'csr-layer.h5ad'), '--encoder', f.encoderPath, '--out', out, '--gene-column', 'feature_name', '--min-gene-overlap', '250', '--batch', '7']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /20 cells, layers\/counts; 290 of the encoder's 300 genes present \(missing e\.g\. Gene\d, Gene\d/);
    assert.match(r.stdout, /3 file genes unused/);
    const got = await readNpy(out);
    assert.deepEqual(got.shape, [N, 128]);
    const d = maxAbsDiff(got.data as Float32Array, expected);
    assert.ok(d <= ENCODER_PARITY_TOLERANCE, `max |Δ| ${d}`);
  });

  test('a 10x matrix folder (gzipped, v3 features.tsv, entries in any order) gives the same embeddings', async () => {
    const tenx = join(dir, 'filtered_feature_bc_matrix');
    mkdirSync(tenx);
    const entries: string[] = [];
    for (let i = 0; i < N; i++) GENES.forEach((_, q) => counts[i * GENES.length + q]! > 0 && entries.push(`${q + 1} ${i + 1} ${counts[i * GENES.length + q]}`));
    entries.reverse(); // regrouped by cell on reading, whatever the order
    const mtx = ['%%MatrixMarket matrix coordinate integer general', '%metadata_json: {}', `${GENES.length} ${N} ${entries.length}`, ...entries].join('\n') + '\n';
    writeFileSync(join(tenx, 'matrix.mtx.gz'), gzipSync(mtx));
    writeFileSync(join(tenx, 'features.tsv.gz'), gzipSync(GENES.map((g, q) => `ENSG${q}\t${g}\tGene Expression\n`).join('')));
    writeFileSync(join(tenx, 'barcodes.tsv'), Array.from({ length: N }, (_, i) => `AAAC-${i}\n`).join(''));
    const out = join(dir, 'tenx.npy');
    const r = await runCli(['encode', '--in', tenx, '--encoder', f.encoderPath, '--out', out, '--min-gene-overlap', '250', '--batch', '8']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /20 cells, matrix\.mtx; 290 of the encoder's 300 genes present/);
    assert.ok(maxAbsDiff((await readNpy(out)).data as Float32Array, expected) <= ENCODER_PARITY_TOLERANCE);
    writeFileSync(join(tenx, 'barcodes.tsv'), 'AAAC-0\n');
    const bad = await runCli(['encode', '--in', tenx, '--encoder', f.encoderPath, '--out', join(dir, 'bad.npy'), '--min-gene-overlap', '250']);
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /matrix\.mtx\.gz: size line "293 20 \d+" does not match 293 features × 1 barcodes/);
  });

  test('a dense X with --matrix X gives the same embeddings', async () => {
    const out = join(dir, 'dense.npy');
    const r = await runCli(['encode', '--in', join(dir, 'dense-x.h5ad'), '--encoder', f.encoderPath, '--out', out, '--gene-column', 'feature_name', '--matrix', 'X', '--min-gene-overlap', '250']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(maxAbsDiff((await readNpy(out)).data as Float32Array, expected) <= ENCODER_PARITY_TOLERANCE);
  });

  test('no counts layer, or genes that are not symbols, fail with one line', async () => {
    const a = await runCli(['encode', '--in', join(dir, 'no-counts.h5ad'), '--encoder', f.encoderPath, '--out', join(dir, 'x.npy'), '--gene-column', 'feature_name', '--min-gene-overlap', '250']);
    assert.equal(a.status, 1);
    assert.match(a.stderr, /^fractal-atlas: .*no-counts\.h5ad has no layers\/counts; SCimilarity needs raw counts there/);
    assert.equal(a.stderr.trim().split('\n').length, 1);
    const b = await runCli(['encode', '--in', join(dir, 'csr-layer.h5ad'), '--encoder', f.encoderPath, '--out', join(dir, 'y.npy'), '--min-gene-overlap', '250']);
    assert.equal(b.status, 1);
    assert.match(b.stderr, /only 0 of the model's 300 genes are in the query, at least 250 are required; unmatched query genes include "ENSG00000000000"/);
  });

  test('annotate --expression: an .h5ad of counts → one TSV row of the annotate columns per cell', async () => {
    // Reference: PyTorch's embeddings of these very cells, labelled by type; each cell must find itself.
    const atlasPath = join(dir, 'reference.parquet');
    const writer = await createAtlasWriter(atlasPath, { dim: 128, rowGroupSize: 64 });
    const levels = {} as Record<LevelColumn, { codes: Int32Array; dictionary: string[] }>;
    for (const c of LEVEL_COLUMNS) levels[c] = { codes: Int32Array.from({ length: N }, (_, i) => i % 4), dictionary: [0, 1, 2, 3].map((t) => `${c}-${t}`) };
    await writer.write({ numRows: N, dim: 128, embeddings: expected, levels, cellIds: Array.from({ length: N }, (_, i) => `ref-${i}`) });
    await writer.close();
    await buildAtlasIndex({ referencePath: atlasPath, adapterPath: 'identity', encoderPath: f.encoderPath, outDir: join(dir, 'index'), threads: 1 });
    const out = join(dir, 'calls.tsv');
    const r = await runCli(['annotate', '--expression', '--in', join(dir, 'csr-layer.h5ad'), '--index', join(dir, 'index'), '--adapter', 'identity', '--encoder', f.encoderPath, '--out', out, '--gene-column', 'feature_name', '--min-gene-overlap', '250', '--k', '3', '--workers', '1']);
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split('\t'));
    // The columns of every `annotate` output (issue 10), whatever the input.
    const header = lines[0]!;
    assert.deepEqual(header.slice(0, 3), ['cell_id', 'system_label', 'system_confidence']);
    const subtype = header.indexOf('subtype_consistent');
    const nearest = header.indexOf('nearest_distance');
    assert.ok(subtype > 0 && nearest > 0, header.join(' '));
    assert.equal(lines.length, N + 1);
    lines.slice(1).forEach((cols, i) => {
      assert.equal(cols[0], `cell-${i}`);
      assert.equal(cols[subtype], `level4_subtype-${i % 4}`);
      assert.ok(Number(cols[nearest]) < 1e-4, `cell ${i} nearest distance ${cols[nearest]}`);
    });
  });
});
