import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { META, openAdapter, parseAdapterMetadata, readOnnxMetadataProps, type GraphSignature, type OrtSessionFactory } from '../../adapter/index.js';
import { fakeModelBytes, tempDir } from './helpers.js';

const GOOD_META: Record<string, string> = {
  [META.contract]: '1',
  [META.inputDim]: '4',
  [META.numScales]: '2',
  [META.scaleDim]: '3',
  [META.levelColumns]: JSON.stringify(['level1_system', 'level2_lineage']),
  [META.vocabularies]: JSON.stringify([['Immune', 'Neural'], ['Lymphoid', 'Myeloid', 'Neuron']]),
  [META.fingerprint]: 'sha256:abc',
  [META.recipe]: JSON.stringify({ lr: 1e-4 }),
};

const GOOD_SIG: GraphSignature = {
  inputs: [{ name: 'embedding', type: 'float32', shape: ['N', 4] }],
  outputs: [{ name: 'blocks', type: 'float32', shape: ['N', 6] }, { name: 'full', type: 'float32', shape: ['N', 6] }],
};

/** A fake session: blocks[i, c] = sum(x[i]) + c; full = blocks · 0.5. Records the batch sizes it saw. */
function fakeFactory(sig: GraphSignature = GOOD_SIG, seen: number[] = [], released: string[] = []): OrtSessionFactory {
  return async () => ({
    signature: sig,
    async run(input, n, dim) {
      seen.push(n);
      const blocks = new Float32Array(n * 6);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let c = 0; c < dim; c++) s += input[i * dim + c];
        for (let c = 0; c < 6; c++) blocks[i * 6 + c] = s + c;
      }
      return { blocks: { data: blocks, dims: [n, 6] }, full: { data: blocks.map((v) => v * 0.5), dims: [n, 6] } };
    },
    release: async () => {
      released.push('released');
    },
  });
}

function writeModel(props: Record<string, string>): string {
  const path = join(tempDir('contract'), 'm.onnx');
  writeFileSync(path, fakeModelBytes(props));
  return path;
}

test('the protobuf reader finds metadata_props among the top-level fields', () => {
  const props = readOnnxMetadataProps(fakeModelBytes({ a: '1', 'ключ': 'значение' }), 'x.onnx');
  assert.equal(props.get('a'), '1');
  assert.equal(props.get('ключ'), 'значение');
});

test('truncated or non-ONNX bytes are invalid_model', () => {
  const good = fakeModelBytes(GOOD_META);
  assert.throws(() => readOnnxMetadataProps(good.subarray(0, good.length - 3), 'x.onnx'), (e) => isAtlasError(e, 'invalid_model'));
  assert.throws(() => readOnnxMetadataProps(new TextEncoder().encode('hello, I am a text file'), 'x.onnx'), (e) => isAtlasError(e, 'invalid_model'));
});

test('metadata is parsed and each missing or malformed key is named', () => {
  const m = parseAdapterMetadata(new Map(Object.entries(GOOD_META)), 'm.onnx');
  assert.equal(m.inputDim, 4);
  assert.deepEqual(m.levelColumns, ['level1_system', 'level2_lineage']);
  assert.deepEqual(m.levelPrefix, { level1_system: 1, level2_lineage: 2 }, 'scale i serves the level it lists');
  assert.deepEqual(m.servedLevels, ['level1_system', 'level2_lineage']);
  const reordered = parseAdapterMetadata(new Map([...Object.entries(GOOD_META), [META.levelColumns, JSON.stringify(['level2_lineage', 'level1_system'])]]), 'm.onnx');
  assert.deepEqual(reordered.levelPrefix, { level2_lineage: 1, level1_system: 2 });
  assert.deepEqual(reordered.servedLevels, ['level1_system', 'level2_lineage'], 'served levels are coarse to fine');
  assert.equal(m.vocabularies[1][2], 'Neuron');
  assert.equal(m.validation, null);
  const cases: [string, string | undefined, RegExp][] = [
    [META.contract, undefined, /fractal_atlas.contract is missing/],
    [META.contract, '2', /contract version 2/],
    [META.numScales, 'two', /not a positive integer/],
    [META.levelColumns, JSON.stringify(['level1_system']), /must list 2 level names/],
    [META.levelColumns, JSON.stringify(['level1_system', 'tissue']), /level column "tissue" is not one of level1_system/],
    [META.vocabularies, '{', /not valid JSON/],
    [META.vocabularies, JSON.stringify([['a'], []]), /non-empty label lists/],
    [META.fingerprint, undefined, /training_fingerprint is missing/],
    [META.recipe, '[1]', /must be a JSON object/],
  ];
  for (const [key, value, re] of cases) {
    const props = new Map(Object.entries(GOOD_META));
    if (value === undefined) props.delete(key);
    else props.set(key, value);
    assert.throws(() => parseAdapterMetadata(props, 'm.onnx'), (e) => isAtlasError(e, 'invalid_model') && re.test((e as Error).message), key);
  }
});

test('openAdapter checks names and dims of the graph against the metadata', async () => {
  const path = writeModel(GOOD_META);
  const bad: [GraphSignature, RegExp][] = [
    [{ ...GOOD_SIG, inputs: [{ name: 'input', type: 'float32', shape: ['N', 4] }] }, /inputs are \[input\]/],
    [{ ...GOOD_SIG, outputs: [GOOD_SIG.outputs[0]] }, /outputs are \[blocks\]/],
    [{ ...GOOD_SIG, inputs: [{ name: 'embedding', type: 'float32', shape: ['N', 128] }] }, /128 columns, metadata says 4/],
    [{ ...GOOD_SIG, inputs: [{ name: 'embedding', type: 'float32', shape: [1, 4] }] }, /fixed batch size/],
    [{ ...GOOD_SIG, outputs: [GOOD_SIG.outputs[0], { name: 'full', type: 'float32', shape: ['N', 8] }] }, /full has 8 columns/],
    [{ ...GOOD_SIG, inputs: [{ name: 'embedding', type: 'float16', shape: ['N', 4] }] }, /float16, expected float32/],
  ];
  for (const [sig, re] of bad) {
    const released: string[] = [];
    await assert.rejects(openAdapter(path, { sessionFactory: fakeFactory(sig, [], released) }), (e) => isAtlasError(e, 'invalid_model') && re.test((e as Error).message));
    assert.deepEqual(released, ['released'], 'a rejected session is released');
  }
});

test('openAdapter: missing file, garbage file, bad options', async () => {
  await assert.rejects(openAdapter(join(tempDir('contract'), 'none.onnx')), (e) => isAtlasError(e, 'file_not_found'));
  const junk = join(tempDir('contract'), 'junk.onnx');
  writeFileSync(junk, 'not a model at all');
  await assert.rejects(openAdapter(junk), (e) => isAtlasError(e, 'invalid_model'));
  const noMeta = writeModel({});
  await assert.rejects(openAdapter(noMeta, { sessionFactory: fakeFactory() }), (e) => isAtlasError(e, 'invalid_model') && /is missing/.test((e as Error).message));
  await assert.rejects(openAdapter(writeModel(GOOD_META), { batchSize: 0, sessionFactory: fakeFactory() }), (e) => isAtlasError(e, 'invalid_argument'));
});

test('embed runs in batches, validates input before the session and checks output dims', async () => {
  const seen: number[] = [];
  const a = await openAdapter(writeModel(GOOD_META), { batchSize: 2, sessionFactory: fakeFactory(GOOD_SIG, seen) });
  assert.equal(a.identity, false);
  assert.equal(a.outputDim, 6);
  const x = new Float32Array(5 * 4).map((_, i) => i % 4);
  const r = await a.embed(x, 5);
  assert.deepEqual(seen, [2, 2, 1]);
  assert.equal(r.length, 30);
  assert.deepEqual([...r.subarray(24, 30)], [6, 7, 8, 9, 10, 11]);
  seen.length = 0;
  await assert.rejects(a.embed(new Float32Array(7), 2), (e) => isAtlasError(e, 'wrong_dimension'));
  await assert.rejects(a.embed(new Float32Array([0, 0, 0, Infinity]), 1), (e) => isAtlasError(e, 'non_finite') && /embeddings\[0\]\[3\]/.test((e as Error).message));
  await assert.rejects(a.embed(new Float32Array(4), 1.5), (e) => isAtlasError(e, 'invalid_argument'));
  assert.deepEqual(seen, [], 'nothing reached the session');
  assert.equal((await a.embed(new Float32Array(0), 0)).length, 0);
  await a.close();

  const wrongOut: OrtSessionFactory = async () => ({
    signature: GOOD_SIG,
    run: async (_i, n) => ({ blocks: { data: new Float32Array(n * 5), dims: [n, 5] }, full: { data: new Float32Array(n * 6), dims: [n, 6] } }),
    release: async () => {},
  });
  const b = await openAdapter(writeModel(GOOD_META), { sessionFactory: wrongOut });
  await assert.rejects(b.embed(new Float32Array(4), 1), (e) => isAtlasError(e, 'invalid_model') && /blocks has dims \[1, 5\]/.test((e as Error).message));
});
