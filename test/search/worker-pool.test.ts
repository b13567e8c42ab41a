/** The pool's one rule about sharing: a request may take every worker but one, unless keepWorkerFree is off. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { IDENTITY_ADAPTER } from '../../adapter/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { INDEX_FILES, loadLabelTable, readManifest } from '../../index-files/index.js';
import type { EngineInit } from '../../search/engine.js';
import { WorkerPool } from '../../search/worker-pool.js';
import { writeSyntheticAtlas, type SyntheticAtlas } from './fixtures.js';

let atlas: SyntheticAtlas;
let init: EngineInit;

before(async () => {
  atlas = await writeSyntheticAtlas(10, 64);
  const dir = join(atlas.dir, 'idx');
  await buildAtlasIndex({ referencePath: atlas.path, adapterPath: IDENTITY_ADAPTER, outDir: dir, threads: 1 });
  const manifest = await readManifest(dir);
  const labels = await loadLabelTable(join(dir, INDEX_FILES.labels), manifest.numCells);
  init = { dir, manifest, labelsBuffer: labels.buffer, adapterPath: IDENTITY_ADAPTER, encoderPath: null, threads: 1 };
});

after(() => atlas?.cleanup());

test('two jobs of one request: one worker busy by default, both with keepWorkerFree false; answers the same', async () => {
  for (const [keepWorkerFree, busy] of [[true, 1], [false, 2]] as const) {
    const pool = await WorkerPool.start(init, 2, keepWorkerFree);
    try {
      const jobs = [pool.run({ op: 'lookup', ids: ['cell-3', 'nope'] }, 7), pool.run({ op: 'lookup', ids: ['cell-12'] }, 7)];
      assert.equal(pool.busyWorkers, busy, `keepWorkerFree ${keepWorkerFree}`);
      const [a, b] = await Promise.all(jobs);
      assert.deepEqual([...a], [3, -1]);
      assert.deepEqual([...b], [12]);
      assert.equal(pool.busyWorkers, 0);
    } finally {
      await pool.close();
    }
  }
});
