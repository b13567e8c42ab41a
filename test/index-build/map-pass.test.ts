import assert from 'node:assert/strict';
import { cp, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { IDENTITY_ADAPTER } from '../../adapter/index.js';
import { readManifest, readReferenceMap } from '../../index-files/index.js';
import { addReferenceMap, buildAtlasIndex } from '../../index-build/index.js';
import { decodeMapHeader } from '../../reference-map/index.js';
import { openAtlasIndex } from '../../search/index.js';
import { writeSyntheticAtlas, type SyntheticAtlas } from '../search/fixtures.js';

const PER_SUBTYPE = 40;
const POINTS = 200;

function sections(bytes: Uint8Array) {
  const h = decodeMapHeader(bytes);
  const buf = bytes.slice().buffer;
  const n = h.points;
  return {
    h,
    xy: new Float32Array(buf, h.sections.xy.offset, 2 * n),
    rows: new Uint32Array(buf, h.sections.rows.offset, n),
    codes: h.levels.map((_, l) => new Uint16Array(buf, h.sections.codes.offset + l * n * 2, n)),
    ids: Buffer.from(bytes.subarray(h.sections.ids.offset)).toString('utf8').split('\n'),
  };
}

describe('the reference map of a build', () => {
  let atlas: SyntheticAtlas;
  let withMap: string;
  let noMap: string;

  before(async () => {
    atlas = await writeSyntheticAtlas(PER_SUBTYPE, 64);
    withMap = join(atlas.dir, 'with-map');
    noMap = join(atlas.dir, 'no-map');
    await buildAtlasIndex({ referencePath: atlas.path, adapterPath: IDENTITY_ADAPTER, outDir: withMap, threads: 1, map: { size: POINTS, epochs: 40 } });
    await buildAtlasIndex({ referencePath: atlas.path, adapterPath: IDENTITY_ADAPTER, outDir: noMap, threads: 1, map: false });
  });
  after(() => atlas?.cleanup());

  it('lays out a stratified sample of the reference with the labels, ids and tree of its rows', async () => {
    const svc = await openAtlasIndex(withMap, { adapterPath: IDENTITY_ADAPTER, workers: 0 });
    try {
      const m = svc.manifest;
      assert.equal(m.map?.points, POINTS);
      const { h, xy, rows, codes, ids } = sections((await readReferenceMap(withMap, m))!);
      assert.equal(h.reference_cells, atlas.numRows);
      assert.equal(xy.length, 2 * POINTS);
      for (const v of xy) assert.ok(v >= 0 && v <= 1);
      const perSubtype = new Map<string, number>();
      rows.forEach((row, i) => {
        assert.equal(ids[i], `cell-${row}`);
        const subtype = m.vocabularies.level4_subtype[codes[3]![i]!]!;
        assert.equal(subtype, `subtype-${atlas.subtypes[row]}`);
        perSubtype.set(subtype, (perSubtype.get(subtype) ?? 0) + 1);
      });
      // 16 equal subtypes share 200 points: 12 or 13 each.
      assert.equal(perSubtype.size, 16);
      for (const n of perSubtype.values()) assert.ok(n === 12 || n === 13, `${n}`);
      assert.equal(h.level_table.length, 16);
      for (const t of h.level_table) assert.equal(t[4], PER_SUBTYPE);
      const sub = (name: string) => h.cl_ids.level4_subtype[m.vocabularies.level4_subtype.indexOf(name)];
      assert.equal(sub('subtype-3'), 'CL:9900003');
      assert.equal(sub('subtype-15'), null);
      assert.equal(h.cl_ids.level1_system[m.vocabularies.level1_system.indexOf('Immune')], 'CL:0000988');
    } finally {
      await svc.close();
    }
  });

  it('places cells of one subtype nearer each other than cells of different subtypes', async () => {
    const m = await readManifest(withMap);
    const { xy, codes } = sections((await readReferenceMap(withMap, m))!);
    let same = 0, sameN = 0, diff = 0, diffN = 0;
    for (let i = 0; i < POINTS; i++) {
      for (let j = i + 1; j < POINTS; j++) {
        const d = Math.hypot(xy[2 * i]! - xy[2 * j]!, xy[2 * i + 1]! - xy[2 * j + 1]!);
        if (codes[3]![i] === codes[3]![j]) (same += d, sameN++);
        else (diff += d, diffN++);
      }
    }
    assert.ok(same / sameN < 0.5 * (diff / diffN), `within ${same / sameN}, between ${diff / diffN}`);
  });

  it('--no-map leaves the map out; addReferenceMap adds one later, with the same layout for the same seed', async () => {
    const bare = await openAtlasIndex(noMap, { adapterPath: IDENTITY_ADAPTER, workers: 0 });
    assert.equal(bare.manifest.map, null);
    assert.equal(await readReferenceMap(noMap, bare.manifest), null);
    await bare.close();
    const added = await addReferenceMap(noMap, { size: POINTS, epochs: 40 });
    const built = await openAtlasIndex(withMap, { adapterPath: IDENTITY_ADAPTER, workers: 0 });
    try {
      assert.deepEqual(sections((await readReferenceMap(noMap, added))!).xy, sections((await readReferenceMap(withMap, built.manifest))!).xy);
    } finally {
      await built.close();
    }
    const reopened = await openAtlasIndex(noMap, { adapterPath: IDENTITY_ADAPTER, workers: 0 });
    assert.equal(reopened.manifest.map?.points, POINTS);
    await reopened.close();
  });

  it('a truncated map.bin is index_mismatch at open', async () => {
    const broken = join(atlas.dir, 'broken');
    await cp(withMap, broken, { recursive: true });
    await truncate(join(broken, 'map.bin'), 100);
    await assert.rejects(openAtlasIndex(broken, { adapterPath: IDENTITY_ADAPTER, workers: 0 }), (e) => isAtlasError(e, 'index_mismatch') && /map\.bin/.test((e as Error).message));
  });

  it('refuses a map of no more cells than neighbours, and a bad size', async () => {
    await assert.rejects(addReferenceMap(noMap, { size: 10 }), (e) => isAtlasError(e, 'invalid_argument'));
    await assert.rejects(addReferenceMap(noMap, { size: 0 }), (e) => isAtlasError(e, 'invalid_argument'));
  });
});
