/** Tie-breaking of the hierarchy rules on a small synthetic ontology (anchors, L3 parents). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildOntologyGraph, parseObo, resolveHierarchy, type HierarchyRow, type OntologyGraph } from '../../ontology/index.js';

function one(graph: OntologyGraph, name: string): HierarchyRow {
  const row = resolveHierarchy(graph, [name]).get(name);
  assert.ok(row, `no row for ${name}`);
  return row;
}

const TIE_OBO = `
[Term]
id: CL:0000988
name: hematopoietic cell

[Term]
id: CL:0000066
name: epithelial cell

[Term]
id: CL:0000542
name: lymphocyte
is_a: CL:0000988

[Term]
id: CL:0000034
name: stem cell

[Term]
id: T:P1
name: parent one
is_a: CL:0000542
is_a: CL:0000066

[Term]
id: T:P2
name: parent two
is_a: CL:0000542

[Term]
id: T:P3
name: parent three
is_a: CL:0000542

[Term]
id: T:X
name: leaf
relationship: develops_from T:P2
is_a: T:P3
is_a: T:P1

[Term]
id: T:S
name: stem leaf
relationship: develops_from CL:0000034

[Term]
id: T:E
name: epithelial leaf
is_a: CL:0000066
relationship: develops_from CL:0000034
`;

test('ties: earlier anchor wins at equal distance; L3 prefers an is_a parent, then the smallest id', () => {
  const graph = buildOntologyGraph(parseObo(TIE_OBO));
  const rows = resolveHierarchy(graph, ['leaf', 'parent one', 'stem leaf', 'epithelial leaf']);
  // leaf: Immune at 3 (X→P1→lymphocyte→hematopoietic), Epithelial at 2 (X→P1→epithelial) → Epithelial is nearer.
  assert.deepEqual(rows.get('leaf'), { cl_id: 'T:X', level1_system: 'Epithelial', level2_lineage: 'Lymphoid', level3_type: 'parent one', level4_subtype: 'leaf' });
  // parent one: Immune at 2, Epithelial at 1 → Epithelial; a direct child of lymphocyte keeps its own name at L3.
  assert.equal(rows.get('parent one')?.level1_system, 'Epithelial');
  assert.equal(rows.get('parent one')?.level3_type, 'parent one');
  // No L2 anchor: L3 is the leaf itself, not the step towards stem cell.
  assert.deepEqual(rows.get('stem leaf'), { cl_id: 'T:S', level1_system: 'Stem/Progenitor', level2_lineage: 'Stem/Progenitor', level3_type: 'stem leaf', level4_subtype: 'stem leaf' });
  assert.equal(rows.get('epithelial leaf')?.level1_system, 'Epithelial', 'a primary anchor beats a nearer-or-equal stem cell');
});

test('ties: at equal distance the earlier anchor in the list wins', () => {
  const obo = `${TIE_OBO}\n[Term]\nid: T:Y\nname: both\nis_a: CL:0000066\nis_a: CL:0000988\n`;
  const graph = buildOntologyGraph(parseObo(obo));
  // Both anchors at distance 1: Immune is listed before Epithelial.
  assert.equal(one(graph, 'both').level1_system, 'Immune');
  // The order of is_a lines in the file does not matter.
  const swapped = buildOntologyGraph(parseObo(`${TIE_OBO}\n[Term]\nid: T:Y\nname: both\nis_a: CL:0000988\nis_a: CL:0000066\n`));
  assert.equal(one(swapped, 'both').level1_system, 'Immune');
});

test('ties: among equally near L3 parents, is_a beats develops_from and the smallest id wins', () => {
  const graph = buildOntologyGraph(parseObo(TIE_OBO.replace('is_a: CL:0000066\n', '')));
  // Now P1, P2, P3 are all one hop from lymphocyte; P2 is a develops_from parent, P1 < P3.
  assert.equal(one(graph, 'leaf').level3_type, 'parent one');
  const noP1 = buildOntologyGraph(parseObo(TIE_OBO.replace('is_a: CL:0000066\n', '').replace('is_a: T:P1\n', '')));
  assert.equal(one(noP1, 'leaf').level3_type, 'parent three', 'is_a P3 beats develops_from P2 despite P2 < P3');
});

