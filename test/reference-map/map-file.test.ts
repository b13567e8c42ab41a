import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAP_MAGIC, decodeMapHeader, encodeMapFile, type MapContent } from '../../reference-map/index.js';

function content(n: number): MapContent {
  return {
    header: {
      reference_cells: 100,
      level_table: [[0, 0, 0, 0, 60], [0, 1, 1, 1, 40]],
      cl_ids: { level1_system: ['CL:0000988'], level2_lineage: [null, null], level3_type: [null, null], level4_subtype: ['CL:1', null] },
      layout: { method: 'umap-js', seed: 1, neighbours: 15, epochs: 10, seconds: 0.5, graph_seconds: 0.1 },
    },
    xy: Float32Array.from({ length: 2 * n }, (_, i) => i / (2 * n)),
    rows: Uint32Array.from({ length: n }, (_, i) => i * 3),
    codes: [0, 1, 2, 3].map((l) => Uint16Array.from({ length: n }, (_, i) => (i + l) % 2)),
    ids: Array.from({ length: n }, (_, i) => `cell-é${i}`),
  };
}

describe('map.bin', () => {
  it('round-trips: the header gives offsets at which the arrays read back as written', () => {
    const c = content(7);
    const bytes = encodeMapFile(c);
    assert.equal(Buffer.from(bytes.subarray(0, 8)).toString('latin1'), MAP_MAGIC);
    const h = decodeMapHeader(bytes);
    assert.equal(h.points, 7);
    assert.deepEqual(h.levels, ['level1_system', 'level2_lineage', 'level3_type', 'level4_subtype']);
    assert.deepEqual(h.level_table, c.header.level_table);
    const s = h.sections;
    for (const sec of Object.values(s)) assert.equal(sec.offset % 4, 0, 'sections are 4-byte aligned');
    const copy = bytes.slice().buffer;
    assert.deepEqual(new Float32Array(copy, s.xy.offset, 14), c.xy);
    assert.deepEqual(new Uint32Array(copy, s.rows.offset, 7), c.rows);
    assert.deepEqual(new Uint16Array(copy, s.codes.offset + 3 * 7 * 2, 7), c.codes[3]);
    assert.deepEqual(Buffer.from(bytes.subarray(s.ids.offset)).toString('utf8').split('\n'), c.ids);
  });

  it('refuses content whose arrays disagree, and ids with newlines', () => {
    assert.throws(() => encodeMapFile({ ...content(3), ids: ['a', 'b'] }), RangeError);
    assert.throws(() => encodeMapFile({ ...content(2), ids: ['a', 'b\nc'] }), RangeError);
  });

  it('refuses bytes that are not a whole map file', () => {
    const bytes = encodeMapFile(content(4));
    assert.throws(() => decodeMapHeader(bytes.subarray(0, bytes.length - 1)), RangeError);
    assert.throws(() => decodeMapHeader(new Uint8Array(20)), RangeError);
  });
});
