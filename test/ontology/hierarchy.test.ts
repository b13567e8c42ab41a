import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { OBO_SKIP, oboTest as test, readSharedObo } from '../support/shared-obo.js';
import { isAtlasError, projectPath, LEVEL_COLUMNS } from '../../common/index.js';
import {
  buildOntologyGraph,
  LINEAGE_ANCHORS,
  createHierarchyResolver,
  formatLevelCounts,
  parseObo,
  summarizeLevels,
  resolveHierarchy,
  type HierarchyRow,
  type OntologyGraph,
} from '../../ontology/index.js';

/** The real Cell Ontology, parsed once for this file. */
// Without the shared file every test here skips, so nothing reads CL.
const CL: OntologyGraph = OBO_SKIP ? (undefined as never) : buildOntologyGraph(parseObo(readSharedObo()));

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

test("leaf = its L2 anchor, and direct child of the anchor: L3 is the leaf's own term name", () => {
  assert.deepEqual(one(CL, 'fibroblast'), {
    cl_id: 'CL:0000057',
    level1_system: 'Stromal',
    level2_lineage: 'Fibroblast',
    level3_type: 'fibroblast',
    level4_subtype: 'fibroblast',
  });
  const skin = one(CL, 'skin fibroblast');
  assert.deepEqual([skin.level1_system, skin.level2_lineage, skin.level3_type], ['Stromal', 'Fibroblast', 'skin fibroblast']);
  // Examples from the issue (project → reference): direct is_a children of neuron, glial cell, lymphocyte.
  for (const [name, lineage] of [['GABAergic neuron', 'Neuron'], ['Schwann cell', 'Glial'], ['T cell', 'Lymphoid']]) {
    const r = one(CL, name);
    assert.deepEqual([r.level2_lineage, r.level3_type], [lineage, name], name);
  }
  assert.equal(one(CL, 'neuron').level3_type, 'neuron');
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
  assert.deepEqual([t.level1_system, t.level2_lineage, t.level3_type], ['Immune', 'Lymphoid', 'T cell']);
});

test('Stem/Progenitor only when no primary anchor is reachable; Other when nothing is', () => {
  const esc = one(CL, 'embryonic stem cell');
  assert.deepEqual([esc.cl_id, esc.level1_system, esc.level2_lineage, esc.level3_type], ['CL:0002322', 'Stem/Progenitor', 'Stem/Progenitor', 'embryonic stem cell']);
  const hsc = one(CL, 'hematopoietic stem cell');
  assert.equal(hsc.level1_system, 'Immune', 'a stem cell that reaches a primary anchor takes the primary anchor');
  const secretory = one(CL, 'secretory cell');
  assert.deepEqual([secretory.level1_system, secretory.level2_lineage, secretory.level3_type], ['Other', 'Other', 'secretory cell']);
});

test("no level-2 anchor: L3 is the leaf's own term name, never a step towards the L1 anchor", () => {
  // club cell and conventional dendritic cell reach Epithelial / Immune but no lineage anchor.
  assert.deepEqual(one(CL, 'club cell'), { cl_id: 'CL:0000158', level1_system: 'Epithelial', level2_lineage: 'Epithelial', level3_type: 'club cell', level4_subtype: 'club cell' });
  for (const name of ['conventional dendritic cell', 'common myeloid progenitor']) {
    const r = one(CL, name);
    assert.deepEqual([r.level1_system, r.level2_lineage, r.level3_type], ['Immune', 'Immune', name], name);
  }
});

test('name resolution: exact name, name without ", human", EXACT synonyms case-insensitively', () => {
  const b = one(CL, 'B cell, human');
  assert.equal(b.cl_id, 'CL:0000236');
  assert.equal(b.level4_subtype, 'B cell, human', 'level 4 is the label as given');
  assert.equal(b.level2_lineage, 'Lymphoid');
  // L3 is the term's own name, not the label: "T cell, human" is a direct child of lymphocyte.
  assert.deepEqual(one(CL, 'T cell, human'), { cl_id: 'CL:0000084', level1_system: 'Immune', level2_lineage: 'Lymphoid', level3_type: 'T cell', level4_subtype: 'T cell, human' });
  // A term whose own name ends in ", human" matches by exact name first.
  assert.equal(one(CL, 'dendritic cell, human').cl_id, 'CL:0001056');
  assert.equal(one(CL, 'dendritic cell').cl_id, 'CL:0000451');
  const nk = one(CL, 'nk CELL');
  assert.deepEqual([nk.cl_id, nk.level1_system, nk.level2_lineage, nk.level4_subtype], ['CL:0000623', 'Immune', 'Innate Lymphoid', 'nk CELL']);
  // "Treg" is an EXACT synonym of regulatory T cell and only a BROAD one of CL:0000792.
  assert.equal(one(CL, 'Treg').cl_id, 'CL:0000815');
  assert.equal(one(CL, 'HSC, human').cl_id, 'CL:0000037');
});

test('names match case-insensitively after the exact pass; level 4 keeps the label as given', () => {
  assert.deepEqual(one(CL, 'Dendritic cell'), { ...one(CL, 'dendritic cell'), level4_subtype: 'Dendritic cell' });
  const cm = createHierarchyResolver(CL).resolve('Classical Monocyte');
  assert.deepEqual([cm?.cl_id, cm?.level3_type, cm?.level4_subtype, cm?.match], ['CL:0000860', 'monocyte', 'Classical Monocyte', 'name_case_insensitive']);
  // The exact pass wins: "dendritic cell, human" is its own term, not "dendritic cell" without the suffix.
  assert.equal(createHierarchyResolver(CL).resolve('dendritic cell, human')?.match, 'name');
});

test('CL ids in every accepted spelling resolve to the term, with the term name at level 4', () => {
  const expected = one(CL, 'classical monocyte');
  for (const id of ['CL:0000860', 'CL_0000860', 'http://purl.obolibrary.org/obo/CL_0000860', 'https://purl.obolibrary.org/obo/CL_0000860']) {
    assert.deepEqual(one(CL, id), expected, id);
  }
  assert.equal(one(CL, 'CL:0000084').level4_subtype, 'T cell');
  assert.throws(
    () => resolveHierarchy(CL, ['CL:9999999', 'CL:00008']),
    (e) => isAtlasError(e, 'unmapped_labels') && /"CL:9999999" \(no live term has this id\)/.test(e.message) && (e.details as { unmapped: string[] }).unmapped.length === 2,
  );
});

test('a label map sends atlas labels to CL ids or names; --subtype-names cl swaps in the term name', () => {
  const labelMap = new Map([
    ['CD14+ Monocyte', 'CL:0000860'],
    ['CD56+ NK', 'natural killer cell'],
    ['Tcells', 'T cell, human'],
  ]);
  const names = ['CD14+ Monocyte', 'CD56+ NK', 'Tcells', 'fibroblast'];
  const rows = resolveHierarchy(CL, names, { labelMap });
  assert.deepEqual(rows.get('CD14+ Monocyte'), { ...one(CL, 'classical monocyte'), level4_subtype: 'CD14+ Monocyte' });
  assert.deepEqual(rows.get('CD56+ NK'), { ...one(CL, 'natural killer cell'), level4_subtype: 'CD56+ NK' });
  assert.deepEqual(rows.get('Tcells'), { ...one(CL, 'T cell'), level4_subtype: 'Tcells' });
  assert.deepEqual(rows.get('fibroblast'), one(CL, 'fibroblast'), 'labels outside the map resolve as themselves');
  const cl = resolveHierarchy(CL, names, { labelMap, subtypeNames: 'cl' });
  assert.deepEqual(names.map((n) => cl.get(n)?.level4_subtype), ['classical monocyte', 'natural killer cell', 'T cell', 'fibroblast']);
  assert.throws(
    () => resolveHierarchy(CL, ['CD56+ NK'], { labelMap: new Map([['CD56+ NK', 'natural killer celll']]) }),
    (e) => isAtlasError(e, 'unmapped_labels') && e.message.includes('"CD56+ NK" (label map → "natural killer celll") (did you mean "natural killer cell" CL:0000623'),
  );
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

test('unknown names are all reported in one unmapped_labels error, each with its suggestions', () => {
  assert.throws(
    () => resolveHierarchy(CL, ['classical monocyte', 'blorp', 'fibroblast', 'CD14+ monocyte', 'blorp']),
    (e) => {
      assert.ok(isAtlasError(e, 'unmapped_labels'));
      const details = e.details as { unmapped: string[]; suggestions: { label: string; suggestions: { id: string; name: string }[] }[] };
      assert.deepEqual(details.unmapped, ['blorp', 'CD14+ monocyte']);
      assert.deepEqual(details.suggestions[0].suggestions, []);
      assert.equal(details.suggestions[1].suggestions.length, 3);
      assert.deepEqual(details.suggestions[1].suggestions[0], { id: 'CL:0001054', name: 'CD14-positive monocyte' });
      assert.match(e.message, /^2 label\(s\) could not be mapped to the Cell Ontology: "blorp" \(no suggestion\); "CD14\+ monocyte" \(did you mean "CD14-positive monocyte" CL:0001054, "[^"]+" CL:\d{7}, "[^"]+" CL:\d{7}\?\)$/);
      return true;
    },
  );
});

// A tiny ontology to pin the tie-breaking rules: leaf X reaches Immune and Epithelial anchors at distance 2,
// the Lymphoid anchor through two parents at equal distance (P2 via develops_from, P1 and P3 via is_a).
test('every live CL term follows the L2/L3 rule (checked by a forward search from the leaf)', () => {
  const resolver = createHierarchyResolver(CL);
  const branches = { noLineage: 0, anchor: 0, directChild: 0, longer: 0 };
  CL.forEachNode((id, attrs) => {
    if (!id.startsWith('CL:')) return;
    const row = resolver.resolve(id);
    assert.ok(row, id);
    const up = ancestorsOf(CL, id);
    let lineage: (typeof LINEAGE_ANCHORS)[number] | undefined;
    let d = Infinity;
    for (const a of LINEAGE_ANCHORS) {
      const da = up.get(a.id);
      if (da !== undefined && da < d) [lineage, d] = [a, da];
    }
    if (lineage === undefined) {
      branches.noLineage++;
      assert.deepEqual([row.level2_lineage, row.level3_type], [row.level1_system, attrs.name], id);
      return;
    }
    assert.equal(row.level2_lineage, lineage.name, id);
    if (d <= 1) {
      branches[d === 0 ? 'anchor' : 'directChild']++;
      assert.equal(row.level3_type, attrs.name, id);
      return;
    }
    branches.longer++;
    const anchorId = lineage.id;
    const onShortestPath = CL.outNeighbors(id).filter((p) => ancestorsOf(CL, p).get(anchorId) === d - 1);
    assert.ok(onShortestPath.map((p) => CL.getNodeAttribute(p, 'name')).includes(row.level3_type), `${id}: ${row.level3_type}`);
  });
  for (const [branch, n] of Object.entries(branches)) assert.ok(n > 0, `branch ${branch} never taken`);
});

test('summarizeLevels counts the categories per level', () => {
  const rows = resolveHierarchy(CL, ['classical monocyte', 'T cell', 'B cell', 'fibroblast', 'CL:0000860']);
  const counts = summarizeLevels(rows.values());
  assert.deepEqual(counts, { level1_system: 2, level2_lineage: 3, level3_type: 4, level4_subtype: 4 });
  assert.equal(formatLevelCounts(counts), 'categories per level: system 2, lineage 3, type 4, subtype 4');
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
