import { DirectedGraph } from 'graphology';
import type { OboDocument, OboSynonym } from './obo-parser.js';

/** Attributes of one ontology node (a non-obsolete `[Term]`). */
export interface TermAttributes {
  readonly name: string;
  readonly synonyms: readonly OboSynonym[];
  readonly subsets: readonly string[];
}

/** Attributes of one child → parent edge. */
export interface RelationAttributes {
  /** `is_a` or the relationship type (e.g. `develops_from`); `is_a` wins when one pair has several. */
  readonly type: string;
  /** Every relation type that links this pair, in file order. */
  readonly types: readonly string[];
}

/** The Cell Ontology as a graphology graph: node = term id, edge child → parent. */
export type OntologyGraph = DirectedGraph<TermAttributes, RelationAttributes>;

/**
 * Builds the child → parent graph of an OBO document the way obonet + networkx does for the hierarchy:
 * every non-obsolete `[Term]` is a node (CL and imported terms alike), with an edge for each `is_a` and
 * each `relationship:` line (develops_from, part_of, …), the relation type kept on the edge.
 *
 * Differences from obonet, on purpose: obsolete terms are dropped together with their edges, and edges whose
 * target is not a (non-obsolete) term of the file are dropped rather than creating a bare node. Such a bare
 * node would have no outgoing edge, so no path to a hierarchy anchor can pass through it: distances and
 * levels are exactly those obonet's graph gives, without thousands of ORCID/NCBITaxon stubs.
 */
export function buildOntologyGraph(doc: OboDocument): OntologyGraph {
  const graph: OntologyGraph = new DirectedGraph<TermAttributes, RelationAttributes>();
  for (const t of doc.terms) {
    if (t.isObsolete || graph.hasNode(t.id)) continue;
    graph.addNode(t.id, { name: t.name ?? t.id, synonyms: t.synonyms, subsets: t.subsets });
  }
  for (const t of doc.terms) {
    if (t.isObsolete || !graph.hasNode(t.id)) continue;
    const link = (type: string, target: string): void => {
      if (target === t.id || !graph.hasNode(target)) return;
      const existing = graph.edge(t.id, target);
      if (existing === undefined) {
        graph.addDirectedEdge(t.id, target, { type, types: [type] });
        return;
      }
      const attrs = graph.getEdgeAttributes(existing);
      if (attrs.types.includes(type)) return;
      graph.replaceEdgeAttributes(existing, { type: attrs.type === 'is_a' || type !== 'is_a' ? attrs.type : 'is_a', types: [...attrs.types, type] });
    };
    for (const p of t.isA) link('is_a', p);
    for (const r of t.relationships) link(r.type, r.target);
  }
  return graph;
}
