import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { NpyWriter, readNpy, writeNpy } from '../../adapter/index.js';
import { tempDir } from './helpers.js';

test('writeNpy → readNpy round trip with a 64-byte aligned v1.0 header', async () => {
  const dir = tempDir('npy');
  const a = new Float32Array([1.5, -2, 3.25, 0, 7, 8]);
  await writeNpy(join(dir, 'a.npy'), a, [2, 3]);
  const raw = readFileSync(join(dir, 'a.npy'));
  assert.equal(raw.toString('latin1', 1, 6), 'NUMPY');
  const headerLen = raw.readUInt16LE(8);
  assert.equal((10 + headerLen) % 64, 0);
  assert.match(raw.toString('latin1', 10, 10 + headerLen), /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
  const back = await readNpy(join(dir, 'a.npy'));
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual([...back.data], [...a]);
});

test('NpyWriter streams rows and writes the final shape at close', async () => {
  const dir = tempDir('npy');
  const w = await NpyWriter.create(join(dir, 'b.npy'), 'int32', 2);
  await w.append(new Int32Array([1, 2, 3, 4]));
  await w.append(new Int32Array([5, 6]));
  assert.equal(await w.close(), 3);
  const back = await readNpy(join(dir, 'b.npy'));
  assert.deepEqual(back.shape, [3, 2]);
  assert.ok(back.data instanceof Int32Array);
  assert.deepEqual([...back.data], [1, 2, 3, 4, 5, 6]);
  await assert.rejects(async () => {
    const w2 = await NpyWriter.create(join(dir, 'c.npy'), 'int32', 2);
    try {
      await w2.append(new Int32Array([1, 2, 3]));
    } finally {
      await w2.abort();
    }
  }, /whole rows/);
});
