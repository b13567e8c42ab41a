import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { IDENTITY_ADAPTER } from '../../adapter/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { VectorFile, VectorIndex, INDEX_FILES, type IndexManifest } from '../../index-files/index.js';
import { SpaceViews } from '../../search/space-views.js';
import type { SearchSpace } from '../../search/filtered-search.js';
import { writeSyntheticAtlas } from './fixtures.js';

let dir: string;
let built: IndexManifest;

before(async () => {
  const atlas = await writeSyntheticAtlas(10, 64);
  dir = join(atlas.dir, 'idx');
  built = (await buildAtlasIndex({ referencePath: atlas.path, adapterPath: IDENTITY_ADAPTER, outDir: dir, threads: 1 })).manifest;
});

/** The views of `m` over the built folder, prefix 1 opened at the manifest's beam as the engine does. */
function viewsOf(m: IndexManifest): SpaceViews {
  const p = m.prefixes[0]!;
  const params = { dims: p.dims, quantization: m.quantization, connectivity: m.connectivity, expansionAdd: m.expansionAdd, expansionSearch: m.expansionSearch };
  const base: SearchSpace = { index: VectorIndex.view(join(dir, p.file), params, m.numCells), vectors: new VectorFile(join(dir, INDEX_FILES.vectors), p.dims, m.numCells), dims: p.dims };
  return new SpaceViews(dir, m, new Map([[1, base]]));
}

test('a search without ef runs at the calibrated beam of its k, its view opened once and kept', () => {
  const entries = [
    { prefix: 1, k: 10, ef: 12, recall: 0.99 },
    { prefix: 1, k: 50, ef: 64, recall: 0.99 },
    { prefix: 1, k: 100, ef: 140, recall: 0.99 },
  ];
  const views = viewsOf({ ...built, expansionSearch: 64, beams: { recallTarget: 0.99, queries: 'reflected', sample: 160, entries } });
  assert.equal(views.at(1, 5).index.expansionSearch, 12);
  assert.equal(views.at(1, 10), views.at(1, 3), 'the same view object: nothing reopened');
  assert.equal(views.at(1, 30), views.base(1), 'the calibrated beam equal to the manifest\'s is the base view');
  assert.equal(views.at(1, 100).index.expansionSearch, 140);
  assert.equal(views.at(1, 400).index.expansionSearch, 140);
});

test('an explicit ef wins over the calibrated beam; without beams every search uses expansionSearch', () => {
  const views = viewsOf({ ...built, expansionSearch: 40, beams: null });
  assert.equal(views.at(1, 10), views.base(1));
  assert.equal(views.base(1).index.expansionSearch, 40);
  const named = views.at(1, 10, 90);
  assert.equal(named.index.expansionSearch, 90);
  assert.equal(views.at(1, 50, 90), named, 'a named beam is kept for the next request');
  assert.equal(named.index.search(unitQuery(), 3, 1).rows.filter((r) => r >= 0).length, 3, 'the view searches the same file');
});

function unitQuery(): Float32Array {
  const q = new Float32Array(16);
  q[0] = 1;
  return q;
}
