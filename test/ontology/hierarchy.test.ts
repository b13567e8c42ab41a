import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SHARED_OBO_PATH, isAtlasError, projectPath, LEVEL_COLUMNS } from '../../common/index.js';
import { buildOntologyGraph, createHierarchyResolver, parseObo, resolveHierarchy, type HierarchyRow, type OntologyGraph } from '../../ontology/index.js';

/** The real Cell Ontology, parsed once for this file. */
const CL: OntologyGraph = buildOntologyGraph(parseObo(readFileSync(SHARED_OBO_PATH, 'utf8')));

function one(graph: OntologyGraph, name: string): HierarchyRow {
  const row = resolveHierarchy(graph, [name]).get(name);
  assert.ok(row, `no row for ${name}`);
  return row;
}

/** Hop distances from `id` to all its ancestors over child → parent edges. */
function ancestorsOf(graph: OntologyGraph, id: string): Map<string, number> {
  const d = new Map([[id, 0]]);
  let frontier = [id];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const n of frontier) {
      graph.forEachOutNeighbor(n, (p) => {
        if (!d.has(p)) {
          d.set(p, (d.get(n) as number) + 1);
          next.push(p);
        }
      });
    }
    frontier = next;
  }
  return d;
}

test('classical monocyte → Immune / Myeloid / monocyte', () => {
  assert.deepEqual(one(CL, 'classical monocyte'), {
    cl_id: 'CL:0000860',
    level1_system: 'Immune',
    level2_lineage: 'Myeloid',
    level3_type: 'monocyte',
    level4_subtype: 'classical monocyte',
  });
});

test('fibroblast → Stromal / Fibroblast, and a term that is its own L2 anchor keeps its name at L3', () => {
  assert.deepEqual(one(CL, 'fibroblast'), {
    cl_id: 'CL:0000057',
    level1_system: 'Stromal',
    level2_lineage: 'Fibroblast',
    level3_type: 'fibroblast',
    level4_subtype: 'fibroblast',
  });
  const skin = one(CL, 'skin fibroblast');
  assert.deepEqual([skin.level1_system, skin.level2_lineage, skin.level3_type], ['Stromal', 'Fibroblast', 'fibroblast']);
});

test('the stem-cell trap: natural killer cell reaches stem cell sooner (develops_from) but is still Immune', () => {
  const d = ancestorsOf(CL, 'CL:0000623');
  const toStem = d.get('CL:0000034');
  const toImmune = d.get('CL:0000988');
  assert.ok(toStem !== undefined && toImmune !== undefined && toStem < toImmune, `stem ${toStem} vs immune ${toImmune}`);
  assert.deepEqual(one(CL, 'natural killer cell'), {
    cl_id: 'CL:0000623',
    level1_system: 'Immune',
    level2_lineage: 'Innate Lymphoid',
    level3_type: 'group 1 innate lymphoid cell',
    level4_subtype: 'natural killer cell',
  });
  const t = one(CL, 'T cell');
  assert.deepEqual([t.level1_system, t.level2_lineage, t.level3_type], ['Immune', 'Lymphoid', 'lymphocyte']);
});

test('Stem/Progenitor only when no primary anchor is reachable; Other when nothing is', () => {
  const esc = one(CL, 'embryonic stem cell');
  assert.deepEqual([esc.cl_id, esc.level1_system, esc.level2_lineage, esc.level3_type], ['CL:0002322', 'Stem/Progenitor', 'Stem/Progenitor', 'stem cell']);
  const hsc = one(CL, 'hematopoietic stem cell');
  assert.equal(hsc.level1_system, 'Immune', 'a stem cell that reaches a primary anchor takes the primary anchor');
  const secretory = one(CL, 'secretory cell');
  assert.deepEqual([secretory.level1_system, secretory.level2_lineage, secretory.level3_type], ['Other', 'Other', 'secretory cell']);
});

test('name resolution: exact name, name without ", human", EXACT synonyms case-insensitively', () => {
  const b = one(CL, 'B cell, human');
  assert.equal(b.cl_id, 'CL:0000236');
  assert.equal(b.level4_subtype, 'B cell, human', 'level 4 is the label as given');
  assert.equal(b.level2_lineage, 'Lymphoid');
  // A term whose own name ends in ", human" matches by exact name first.
  assert.equal(one(CL, 'dendritic cell, human').cl_id, 'CL:0001056');
  assert.equal(one(CL, 'dendritic cell').cl_id, 'CL:0000451');
  const nk = one(CL, 'nk CELL');
  assert.deepEqual([nk.cl_id, nk.level1_system, nk.level2_lineage, nk.level4_subtype], ['CL:0000623', 'Immune', 'Innate Lymphoid', 'nk CELL']);
  // "Treg" is an EXACT synonym of regulatory T cell and only a BROAD one of CL:0000792.
  assert.equal(one(CL, 'Treg').cl_id, 'CL:0000815');
  assert.equal(one(CL, 'HSC, human').cl_id, 'CL:0000037');
});

test('names are case-sensitive before the synonym step: a wrongly cased name does not resolve', () => {
  assert.throws(() => resolveHierarchy(CL, ['Classical Monocyte']), (e) => isAtlasError(e, 'unmapped_labels'));
});

test('"native cell" and "animal cell" land in Other with the label at L3/L4', () => {
  for (const [name, id] of [['native cell', 'CL:0000003'], ['animal cell', 'CL:0000548']]) {
    assert.deepEqual(one(CL, name), { cl_id: id, level1_system: 'Other', level2_lineage: 'Other', level3_type: name, level4_subtype: name });
  }
});

test('manual overrides apply when the terms are obsolete (as in newer CL releases)', () => {
  const obo = [
    '[Term]\nid: CL:0000000\nname: cell',
    '[Term]\nid: CL:0000003\nname: obsolete native cell\nis_obsolete: true',
    '[Term]\nid: CL:0000548\nname: obsolete animal cell\nis_obsolete: true',
  ].join('\n\n');
  const graph = buildOntologyGraph(parseObo(obo));
  const rows = resolveHierarchy(graph, ['native cell', 'Animal cell', 'cell']);
  assert.deepEqual(rows.get('native cell'), { cl_id: 'CL:0000003', level1_system: 'Other', level2_lineage: 'Other', level3_type: 'native cell', level4_subtype: 'native cell' });
  assert.deepEqual(rows.get('Animal cell'), { cl_id: 'CL:0000548', level1_system: 'Other', level2_lineage: 'Other', level3_type: 'Animal cell', level4_subtype: 'Animal cell' });
  assert.equal(rows.get('cell')?.cl_id, 'CL:0000000');
  assert.equal(createHierarchyResolver(graph).resolve('native cell')?.match, 'override');
});

test('unknown names are all reported in one unmapped_labels error', () => {
  assert.throws(
    () => resolveHierarchy(CL, ['classical monocyte', 'no such cell', 'fibroblast', 'blorp cell', 'no such cell']),
    (e) => {
      assert.ok(isAtlasError(e, 'unmapped_labels'));
      assert.deepEqual((e.details as { unmapped: string[] }).unmapped, ['no such cell', 'blorp cell']);
      assert.match(e.message, /^2 label\(s\) could not be mapped to the Cell Ontology: "no such cell", "blorp cell"$/);
      return true;
    },
  );
});

// A tiny ontology to pin the tie-breaking rules: leaf X reaches Immune and Epithelial anchors at distance 2,
// the Lymphoid anchor through two parents at equal distance (P2 via develops_from, P1 and P3 via is_a).
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
  // parent one: Immune at 2, Epithelial at 1 → Epithelial; L3 towards lymphocyte (distance 1) is lymphocyte itself.
  assert.equal(rows.get('parent one')?.level1_system, 'Epithelial');
  assert.equal(rows.get('parent one')?.level3_type, 'lymphocyte');
  assert.deepEqual(rows.get('stem leaf'), { cl_id: 'T:S', level1_system: 'Stem/Progenitor', level2_lineage: 'Stem/Progenitor', level3_type: 'stem cell', level4_subtype: 'stem leaf' });
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

test('the committed demo cell-type table is what the hierarchy gives for its names today', () => {
  const lines = readFileSync(projectPath('data', 'demo-cell-types.tsv'), 'utf8').trimEnd().split('\n');
  assert.equal(lines[0], ['name', 'cl_id', ...LEVEL_COLUMNS].join('\t'));
  const names = readFileSync(projectPath('data', 'demo-cell-type-names.txt'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  assert.equal(lines.length - 1, names.length);
  const rows = resolveHierarchy(CL, names);
  for (const line of lines.slice(1)) {
    const [name, clId, ...levels] = line.split('\t');
    const row = rows.get(name);
    assert.ok(row, name);
    assert.deepEqual([clId, ...levels], [row.cl_id ?? '', ...LEVEL_COLUMNS.map((c) => row[c])], name);
  }
  const systems = new Map<string, number>();
  for (const line of lines.slice(1)) {
    const s = line.split('\t')[2];
    systems.set(s, (systems.get(s) ?? 0) + 1);
  }
  for (const s of ['Immune', 'Epithelial', 'Neural', 'Stromal', 'Other', 'Muscle', 'Endothelial', 'Stem/Progenitor']) {
    assert.ok((systems.get(s) ?? 0) >= 5, `${s} has ${systems.get(s) ?? 0} types`);
  }
  assert.ok((systems.get('Immune') ?? 0) >= 60);
});
