import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { adapterScript, pythonPath, readNpy, writeTrainingSet, type TrainingBatch } from '../../adapter/index.js';
import { TORCH_SKIP, tempDir } from './helpers.js';

function batch(rows: number, offset: number, sys: string[], sysCodes: number[], sub: string[], subCodes: number[]): TrainingBatch {
  return {
    numRows: rows,
    dim: 2,
    embeddings: Float32Array.from({ length: rows * 2 }, (_, i) => offset + i),
    levels: {
      level1_system: { codes: Int32Array.from(sysCodes), dictionary: sys },
      level4_subtype: { codes: Int32Array.from(subCodes), dictionary: sub },
    },
  };
}

const BATCHES = [
  batch(3, 0, ['Neural', 'Immune'], [0, 1, 1], ['neuron', 'T cell', 'B cell'], [0, 1, 2]),
  batch(3, 100, ['Immune'], [0, 0, 0], ['monocyte', 'B cell'], [1, 0, 1]),
];
const COLS = ['level1_system', 'level4_subtype'];

test('a bundle holds the first N rows with codes into sorted per-level vocabularies', async () => {
  const dir = tempDir('bundle');
  const r = await writeTrainingSet(BATCHES, dir, { levelColumns: COLS, maxSamples: 5, source: 'test' });
  assert.equal(r.numRows, 5);
  assert.deepEqual(r.vocabularies, [['Immune', 'Neural'], ['B cell', 'T cell', 'monocyte', 'neuron']]);
  const emb = await readNpy(join(dir, 'embeddings.npy'));
  assert.deepEqual(emb.shape, [5, 2]);
  assert.deepEqual([...emb.data], [0, 1, 2, 3, 4, 5, 100, 101, 102, 103]);
  const lab = await readNpy(join(dir, 'labels.npy'));
  assert.deepEqual(lab.shape, [5, 2]);
  // rows: Neural/neuron, Immune/T cell, Immune/B cell, Immune/B cell, Immune/monocyte
  assert.deepEqual([...lab.data], [1, 3, 0, 1, 0, 0, 0, 0, 0, 2]);
  const manifest = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8'));
  assert.equal(manifest.format, 'fractal-atlas-training-set');
  assert.equal(manifest.fingerprint, r.fingerprint);
  assert.match(r.fingerprint, /^sha256:[0-9a-f]{64}$/);
  const again = await writeTrainingSet(BATCHES, tempDir('bundle'), { levelColumns: COLS, maxSamples: 5, source: 'elsewhere' });
  assert.equal(again.fingerprint, r.fingerprint, 'the fingerprint depends on the data only');
  const all = await writeTrainingSet(BATCHES, tempDir('bundle'), { levelColumns: COLS, maxSamples: 0, source: 'test' });
  assert.equal(all.numRows, 6);
  assert.notEqual(all.fingerprint, r.fingerprint);
});

test('bad batches are refused with readable errors', async () => {
  const nan = { ...BATCHES[0], embeddings: new Float32Array([0, 1, NaN, 3, 4, 5]) };
  await assert.rejects(writeTrainingSet([nan], tempDir('bundle'), { levelColumns: COLS, maxSamples: 0, source: 't' }), (e) => isAtlasError(e, 'non_finite') && /row 1/.test((e as Error).message));
  await assert.rejects(writeTrainingSet(BATCHES, tempDir('bundle'), { levelColumns: ['level2_lineage'], maxSamples: 0, source: 't' }), (e) => isAtlasError(e, 'invalid_atlas') && /level2_lineage/.test((e as Error).message));
  const dimChange = { ...BATCHES[1], dim: 3, embeddings: new Float32Array(9) };
  await assert.rejects(writeTrainingSet([BATCHES[0], dimChange], tempDir('bundle'), { levelColumns: COLS, maxSamples: 0, source: 't' }), (e) => isAtlasError(e, 'invalid_atlas'));
  await assert.rejects(writeTrainingSet([], tempDir('bundle'), { levelColumns: COLS, maxSamples: 0, source: 'empty.parquet' }), (e) => isAtlasError(e, 'invalid_atlas') && /no rows/.test((e as Error).message));
});

test('the Python trainer reads the bundle with numpy alone', { skip: TORCH_SKIP }, async () => {
  const dir = tempDir('bundle');
  await writeTrainingSet(BATCHES, dir, { levelColumns: COLS, maxSamples: 0, source: 'test' });
  const code = [
    'import sys, json',
    `sys.path.insert(0, ${JSON.stringify(adapterScript(''))})`,
    'from bundle import read_bundle',
    `b = read_bundle(${JSON.stringify(dir)}, 4)`,
    'print(json.dumps({"shape": list(b.embeddings.shape), "labels": b.labels.tolist(), "cols": b.level_columns}))',
  ].join('\n');
  const r = spawnSync(pythonPath(), ['-c', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.shape, [4, 2]);
  assert.deepEqual(out.labels, [[1, 3], [0, 1], [0, 0], [0, 0]]);
  assert.deepEqual(out.cols, COLS);
});
