import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { buildRowMask, compileFilter, rowMatches } from '../../search/label-filter.js';

const VOCABS = {
  level1_system: ['Immune', 'Neural'],
  level2_lineage: ['Lymphoid', 'Myeloid', 'Neuron'],
  level3_type: ['T cell', 'Monocyte', 'Interneuron'],
  level4_subtype: ['CD4 T', 'CD8 T', 'Classical mono', 'PV interneuron'],
};
// 6 rows: codes per level column.
const LABELS = [
  Uint16Array.from([0, 0, 0, 0, 1, 1]),
  Uint16Array.from([0, 0, 1, 1, 2, 2]),
  Uint16Array.from([0, 0, 1, 1, 2, 2]),
  Uint16Array.from([0, 1, 2, 2, 3, 3]),
];

test('include ANDs levels and ORs labels; exclude removes; short names and columns both work', () => {
  const f = compileFilter({ include: { system: ['Immune'], level4_subtype: ['CD8 T', 'Classical mono'] }, exclude: { lineage: ['Myeloid'] } }, VOCABS)!;
  const m = buildRowMask(LABELS, f, 6);
  assert.deepEqual(Array.from(m.mask), [0, 1, 0, 0, 0, 0]);
  assert.equal(m.count, 1);
  for (let r = 0; r < 6; r++) assert.equal(rowMatches(LABELS, f, r), m.mask[r] === 1);
  const ex = buildRowMask(LABELS, compileFilter({ exclude: { type: ['T cell', 'Interneuron'] } }, VOCABS)!, 6);
  assert.deepEqual(Array.from(ex.mask), [0, 0, 1, 1, 0, 0]);
});

test('equal filters compile to equal keys; empty filters compile to null', () => {
  const a = compileFilter({ include: { subtype: ['CD8 T', 'CD4 T'] } }, VOCABS)!;
  const b = compileFilter({ include: { level4_subtype: ['CD4 T', 'CD8 T', 'CD4 T'] } }, VOCABS)!;
  assert.equal(a.key, b.key);
  assert.equal(compileFilter({}, VOCABS), null);
  assert.equal(compileFilter(undefined, VOCABS), null);
});

test('unknown levels and labels, and a level given twice, are rejected by code', () => {
  assert.throws(() => compileFilter({ include: { organ: ['x'] } }, VOCABS), (e) => isAtlasError(e, 'unknown_level') && /system, lineage, type, subtype/.test(e.message));
  assert.throws(() => compileFilter({ include: { subtype: ['CD4 T', 'NK'] } }, VOCABS), (e) => isAtlasError(e, 'unknown_label') && /"NK"/.test(e.message));
  assert.throws(() => compileFilter({ include: { subtype: ['cd4 T'] } }, VOCABS), (e) => isAtlasError(e, 'unknown_label') && /did you mean "CD4 T"/.test(e.message));
  assert.throws(() => compileFilter({ exclude: { subtype: ['CD8 T'], level4_subtype: ['CD4 T'] } }, VOCABS), (e) => isAtlasError(e, 'invalid_request') && /twice/.test(e.message));
});
