import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import { UNASSIGNED, callConsistentLevels, tallyVotes } from '../../search/index.js';

// Level table: Immune(0) → Lymphoid(0) → T cell(0) → CD4 T(0) | CD8 T(1); Immune → Myeloid(1) → Monocyte(1) → Classical mono(2)
// Epithelial(1) → Epithelial(2) → Keratinocyte(2) → Basal keratinocyte(3)
const VOCABS: Record<LevelColumn, string[]> = {
  level1_system: ['Immune', 'Epithelial'],
  level2_lineage: ['Lymphoid', 'Myeloid', 'Epithelial'],
  level3_type: ['T cell', 'Monocyte', 'Keratinocyte'],
  level4_subtype: ['CD4 T', 'CD8 T', 'Classical mono', 'Basal keratinocyte'],
};
const TABLE = [
  [0, 0, 0, 0],
  [0, 0, 0, 1],
  [0, 1, 1, 2],
  [1, 2, 2, 3],
];

function tally(codes: number[]) {
  return tallyVotes(codes, codes.map(() => 0.2));
}

test('each level is chosen among the children of the level above', () => {
  // System: Immune 6 / Epithelial 4. Lineage: Epithelial has the most votes (5) but is not under Immune.
  const out = callConsistentLevels(
    LEVEL_COLUMNS,
    [tally([0, 0, 0, 0, 0, 0, 1, 1, 1, 1]), tally([2, 2, 2, 2, 2, 1, 1, 1, 0, 0]), tally([1, 1, 1, 0, 2, 2]), tally([2, 2, 0, 3])],
    TABLE,
    VOCABS,
    { weighting: 'uniform' },
  );
  assert.equal(out.level1_system?.label, 'Immune');
  assert.equal(out.level2_lineage?.label, 'Myeloid');
  assert.equal(out.level2_lineage?.confidence, 3 / 10);
  assert.equal(out.level3_type?.label, 'Monocyte');
  assert.equal(out.level4_subtype?.label, 'Classical mono');
  // The call is a path of the level table.
  const path = LEVEL_COLUMNS.map((c) => VOCABS[c].indexOf(out[c]!.label));
  assert.ok(TABLE.some((r) => r.every((v, i) => v === path[i])));
});

test('a level below min_confidence and every level under it are unassigned', () => {
  const out = callConsistentLevels(
    LEVEL_COLUMNS,
    [tally([0, 0, 0, 0]), tally([0, 0, 1, 1, 2]), tally([0]), tally([0])],
    TABLE,
    VOCABS,
    { weighting: 'uniform', minConfidence: 0.5 },
  );
  assert.equal(out.level1_system?.label, 'Immune');
  assert.equal(out.level2_lineage?.label, UNASSIGNED);
  assert.equal(out.level2_lineage?.confidence, 0.4);
  assert.equal(out.level3_type?.label, UNASSIGNED);
  assert.equal(out.level4_subtype?.label, UNASSIGNED);
});

test('no vote for any allowed child leaves the rest unassigned', () => {
  const out = callConsistentLevels(LEVEL_COLUMNS, [tally([1, 1]), tally([0, 1]), tally([2]), tally([3])], TABLE, VOCABS, { weighting: 'uniform' });
  assert.equal(out.level1_system?.label, 'Epithelial');
  assert.equal(out.level2_lineage?.label, UNASSIGNED);
  assert.equal(out.level2_lineage?.confidence, 0);
  assert.equal(out.level4_subtype?.label, UNASSIGNED);
});

test('levels the index does not serve are skipped, the others stay consistent', () => {
  const out = callConsistentLevels(LEVEL_COLUMNS, [tally([0, 0, 1]), null, null, tally([3, 3, 1])], TABLE, VOCABS, { weighting: 'uniform' });
  assert.deepEqual(Object.keys(out), ['level1_system', 'level4_subtype']);
  assert.equal(out.level4_subtype?.label, 'CD8 T');
  assert.equal(out.level4_subtype?.confidence, 1 / 3);
});

test('distance weighting decides by weighted votes', () => {
  const t = tallyVotes([0, 0, 1], [0.5, 0.5, 0.01]);
  const out = callConsistentLevels(LEVEL_COLUMNS, [t, null, null, null], TABLE, VOCABS, { weighting: 'distance' });
  assert.equal(out.level1_system?.label, 'Epithelial');
  assert.ok(Math.abs(out.level1_system!.confidence - 100 / 104) < 1e-9);
});
