import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SHARED_OBO_PATH, isAtlasError } from '../../common/index.js';
import { buildOntologyGraph, parseObo } from '../../ontology/index.js';
import { OBO_SKIP } from '../support/shared-obo.js';

const SMALL_OBO = `format-version: 1.2
data-version: test/2024
subsetdef: demo "demo subset"

[Term]
id: CL:0000001
name: root cell ! a comment on the name line
synonym: "base cell" EXACT []
synonym: "the \\"quoted\\" cell" RELATED [PMID:1]
synonym: "unscoped cell" []

[Term]
id: CL:0000002
name: child cell
subset: demo
is_a: CL:0000001 {is_inferred="true"} ! root cell
relationship: develops_from CL:0000003 {source="PMID:2"} ! old cell
relationship: part_of UBERON:0000001 ! not a term of this file
relationship: develops_from CL:0000004 ! other cell

[Term]
id: CL:0000003
name: old cell
is_obsolete: true
replaced_by: CL:0000004

[Term]
id: CL:0000004
name: other cell
is_a: CL:0000001 ! root cell
is_a: CL:0000003 ! obsolete parent

[Typedef]
id: develops_from
name: develops from
is_transitive: true
`;

test('parseObo reads terms, synonyms with scope, is_a and relationships with qualifiers and comments stripped', () => {
  const doc = parseObo(SMALL_OBO);
  assert.deepEqual(doc.header['format-version'], ['1.2']);
  assert.equal(doc.terms.length, 4, 'the [Typedef] is not a term');
  const [root, child, old, other] = doc.terms;
  assert.equal(root.id, 'CL:0000001');
  assert.equal(root.name, 'root cell');
  assert.deepEqual(root.synonyms, [
    { text: 'base cell', scope: 'EXACT' },
    { text: 'the "quoted" cell', scope: 'RELATED' },
    { text: 'unscoped cell', scope: 'RELATED' },
  ]);
  assert.deepEqual(child.isA, ['CL:0000001']);
  assert.deepEqual(child.relationships, [
    { type: 'develops_from', target: 'CL:0000003' },
    { type: 'part_of', target: 'UBERON:0000001' },
    { type: 'develops_from', target: 'CL:0000004' },
  ]);
  assert.deepEqual(child.subsets, ['demo']);
  assert.equal(child.isObsolete, false);
  assert.equal(old.isObsolete, true);
  assert.deepEqual(old.replacedBy, ['CL:0000004']);
  assert.deepEqual(other.isA, ['CL:0000001', 'CL:0000003']);
});

test('parseObo accepts CRLF line endings and a byte-order mark', () => {
  const doc = parseObo(`\ufeff${SMALL_OBO.replace(/\n/g, '\r\n')}`);
  assert.equal(doc.terms.length, 4);
  assert.equal(doc.terms[1].name, 'child cell');
  assert.deepEqual(doc.terms[1].isA, ['CL:0000001']);
});

test('parseObo rejects garbage with invalid_obo', () => {
  const bad = [
    '',
    'hello world, this is not an ontology',
    '<!DOCTYPE html>\n<html><body>404 Not Found</body></html>',
    'format-version: 1.2\n',
    '[Term]\nname: no id here\n',
    '[Term]\nid: CL:1\nsynonym: "unterminated EXACT []\n',
    '[Term]\nid: CL:1\nrelationship: develops_from\n',
    '\u0000\u0001\u0002binary',
  ];
  for (const text of bad) {
    assert.throws(() => parseObo(text), (e) => isAtlasError(e, 'invalid_obo'), JSON.stringify(text.slice(0, 30)));
  }
});

test('buildOntologyGraph: child → parent edges for is_a and relationships, obsolete terms and outside targets dropped', () => {
  const graph = buildOntologyGraph(parseObo(SMALL_OBO));
  assert.deepEqual(graph.nodes().sort(), ['CL:0000001', 'CL:0000002', 'CL:0000004']);
  assert.equal(graph.getNodeAttribute('CL:0000001', 'name'), 'root cell');
  assert.equal(graph.getNodeAttribute('CL:0000001', 'synonyms').length, 3);
  assert.equal(graph.getEdgeAttribute(graph.edge('CL:0000002', 'CL:0000001'), 'type'), 'is_a');
  assert.equal(graph.getEdgeAttribute(graph.edge('CL:0000002', 'CL:0000004'), 'type'), 'develops_from');
  assert.equal(graph.hasEdge('CL:0000001', 'CL:0000002'), false, 'edges point from child to parent only');
  assert.equal(graph.hasNode('UBERON:0000001'), false);
  assert.equal(graph.hasNode('CL:0000003'), false);
  assert.equal(graph.size, 3);
});

test('buildOntologyGraph keeps is_a as the type when a pair is linked by several relations', () => {
  const graph = buildOntologyGraph(
    parseObo('[Term]\nid: A:1\nname: a\nrelationship: develops_from A:2\nis_a: A:2\n\n[Term]\nid: A:2\nname: b\n'),
  );
  const attrs = graph.getEdgeAttributes(graph.edge('A:1', 'A:2'));
  assert.equal(attrs.type, 'is_a');
  assert.deepEqual(attrs.types, ['is_a', 'develops_from']);
});

test('the real cl-basic.obo parses into the expected graph', { skip: OBO_SKIP }, () => {
  const doc = parseObo(readFileSync(SHARED_OBO_PATH, 'utf8'));
  assert.equal(doc.header['data-version']?.[0], 'cl/releases/2022-12-15/cl-basic.owl');
  assert.equal(doc.terms.length, 2804);
  const live = doc.terms.filter((t) => !t.isObsolete);
  const graph = buildOntologyGraph(doc);
  assert.equal(graph.order, live.length);
  const monocyte = graph.getNodeAttributes('CL:0000860');
  assert.equal(monocyte.name, 'classical monocyte');
  assert.ok(monocyte.subsets.includes('human_reference_atlas'));
  assert.equal(graph.getEdgeAttribute(graph.edge('CL:0000860', 'CL:0000576'), 'type'), 'is_a');
  // develops_from edges are part of the graph: T cell develops from pro-T cell (CL:0000827).
  assert.equal(graph.getEdgeAttribute(graph.edge('CL:0000084', 'CL:0000827'), 'type'), 'develops_from');
  let developsFrom = 0;
  graph.forEachEdge((_e, a) => {
    if (a.types.includes('develops_from')) developsFrom++;
  });
  assert.ok(developsFrom > 300, `expected > 300 develops_from edges, got ${developsFrom}`);
});
