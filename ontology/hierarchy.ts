import { AtlasError } from '../common/index.js';
import { LINEAGE_ANCHORS, NAME_OVERRIDES, OTHER, STEM_ANCHOR, SYSTEM_ANCHORS, type Anchor } from './anchors.js';
import type { OntologyGraph } from './graph.js';
import type { HierarchyRow } from './levels.js';

/** How a label was matched to a term. */
export type NameMatch = 'name' | 'name_without_human' | 'synonym' | 'override';

/** A label resolved to a term id (or to a manual override). */
export interface ResolvedName {
  readonly id: string;
  readonly match: NameMatch;
}

const HUMAN_SUFFIX = ', human';

/** Lookup tables for name resolution, built once per graph. */
export interface NameIndex {
  readonly byName: ReadonlyMap<string, string>;
  readonly byExactSynonym: ReadonlyMap<string, string>;
}

/**
 * Indexes term names (case-sensitive) and EXACT synonyms (lower-cased). When several terms share a name or a
 * synonym the smallest id wins (plain string order), so resolution never depends on file order.
 */
export function buildNameIndex(graph: OntologyGraph): NameIndex {
  const byName = new Map<string, string>();
  const byExactSynonym = new Map<string, string>();
  const keep = (m: Map<string, string>, key: string, id: string): void => {
    const prev = m.get(key);
    if (prev === undefined || id < prev) m.set(key, id);
  };
  graph.forEachNode((id, attrs) => {
    keep(byName, attrs.name, id);
    for (const s of attrs.synonyms) if (s.scope === 'EXACT') keep(byExactSynonym, s.text.toLowerCase(), id);
  });
  return { byName, byExactSynonym };
}

/**
 * Resolves one label: exact name, then the name without a trailing ", human", then EXACT synonyms
 * (case-insensitive, for the label and for the label without ", human"), then {@link NAME_OVERRIDES}.
 * Returns undefined when nothing matches.
 */
export function resolveName(index: NameIndex, label: string): ResolvedName | undefined {
  const stripped = label.endsWith(HUMAN_SUFFIX) ? label.slice(0, -HUMAN_SUFFIX.length) : undefined;
  let id = index.byName.get(label);
  if (id !== undefined) return { id, match: 'name' };
  if (stripped !== undefined && (id = index.byName.get(stripped)) !== undefined) return { id, match: 'name_without_human' };
  for (const candidate of stripped === undefined ? [label] : [label, stripped]) {
    id = index.byExactSynonym.get(candidate.toLowerCase());
    if (id !== undefined) return { id, match: 'synonym' };
  }
  for (const candidate of stripped === undefined ? [label] : [label, stripped]) {
    id = NAME_OVERRIDES[candidate.toLowerCase()];
    if (id !== undefined) return { id, match: 'override' };
  }
  return undefined;
}

/**
 * Hop distances from every term that reaches `target` over child → parent edges, found by one breadth-first
 * search over the reversed edges. Cached per target, so each anchor is searched once per resolver.
 */
function distancesTo(graph: OntologyGraph, target: string): Map<string, number> {
  const dist = new Map<string, number>();
  if (!graph.hasNode(target)) return dist;
  dist.set(target, 0);
  let frontier = [target];
  for (let d = 1; frontier.length > 0; d++) {
    const next: string[] = [];
    for (const node of frontier) {
      graph.forEachInNeighbor(node, (child) => {
        if (!dist.has(child)) {
          dist.set(child, d);
          next.push(child);
        }
      });
    }
    frontier = next;
  }
  return dist;
}

/** Materialises the 4 levels of labels on one graph; reuse it for many labels. */
export interface HierarchyResolver {
  /** The levels of one label, or undefined when it cannot be resolved. */
  resolve(label: string): (HierarchyRow & { readonly match: NameMatch }) | undefined;
}

/** Creates a {@link HierarchyResolver} (name index and per-anchor distances are built lazily, once). */
export function createHierarchyResolver(graph: OntologyGraph): HierarchyResolver {
  const index = buildNameIndex(graph);
  const cache = new Map<string, Map<string, number>>();
  const distTo = (anchor: string): Map<string, number> => {
    let m = cache.get(anchor);
    if (m === undefined) cache.set(anchor, (m = distancesTo(graph, anchor)));
    return m;
  };
  /** The nearest anchor from `id`; strict `<` keeps the earlier anchor on ties. */
  const nearest = (id: string, anchors: readonly Anchor[]): Anchor | undefined => {
    let best: Anchor | undefined;
    let bestD = Infinity;
    for (const a of anchors) {
      const d = distTo(a.id).get(id);
      if (d !== undefined && d < bestD) {
        best = a;
        bestD = d;
      }
    }
    return best;
  };
  /**
   * The name of the leaf's parent on a shortest path to `anchor`. Among parents one hop closer to the anchor,
   * an `is_a` parent beats other relations, then the smallest id wins. The leaf's own name when it is the
   * anchor; undefined when the anchor is unreachable.
   */
  const typeTowards = (id: string, anchor: Anchor): string | undefined => {
    const dist = distTo(anchor.id);
    const d = dist.get(id);
    if (d === undefined) return undefined;
    if (d === 0) return graph.getNodeAttribute(id, 'name');
    let best: { id: string; isA: boolean } | undefined;
    graph.forEachOutEdge(id, (_e, attrs, _s, parent) => {
      if (dist.get(parent) !== d - 1) return;
      const isA = attrs.type === 'is_a';
      if (best === undefined || (isA && !best.isA) || (isA === best.isA && parent < best.id)) best = { id: parent, isA };
    });
    // A parent one hop closer always exists when d > 0 (it is the next node of the BFS path).
    return graph.getNodeAttribute((best as { id: string }).id, 'name');
  };

  return {
    resolve(label) {
      const hit = resolveName(index, label);
      if (hit === undefined) return undefined;
      if (hit.match === 'override' || !graph.hasNode(hit.id)) {
        return { cl_id: hit.id, level1_system: OTHER, level2_lineage: OTHER, level3_type: label, level4_subtype: label, match: 'override' };
      }
      const system = nearest(hit.id, SYSTEM_ANCHORS) ?? (distTo(STEM_ANCHOR.id).has(hit.id) ? STEM_ANCHOR : undefined);
      const lineage = nearest(hit.id, LINEAGE_ANCHORS);
      const typeAnchor = lineage ?? system;
      const termName = graph.getNodeAttribute(hit.id, 'name');
      return {
        cl_id: hit.id,
        level1_system: system?.name ?? OTHER,
        level2_lineage: lineage?.name ?? system?.name ?? OTHER,
        level3_type: (typeAnchor && typeTowards(hit.id, typeAnchor)) ?? termName,
        level4_subtype: label,
        match: hit.match,
      };
    },
  };
}

/** How many unmapped labels the error message spells out (the error's `details` lists them all). */
const MAX_LISTED = 20;

/**
 * Resolves every label to its 4 levels (see README "Cell Ontology hierarchy"). Throws one
 * AtlasError('unmapped_labels') naming all labels that match no term, with `details.unmapped` listing them.
 */
export function resolveHierarchy(graph: OntologyGraph, names: Iterable<string>): Map<string, HierarchyRow> {
  const resolver = createHierarchyResolver(graph);
  const out = new Map<string, HierarchyRow>();
  const unmapped = new Set<string>();
  for (const name of names) {
    if (out.has(name) || unmapped.has(name)) continue;
    const row = resolver.resolve(name);
    if (row === undefined) {
      unmapped.add(name);
      continue;
    }
    const { match: _match, ...levels } = row;
    out.set(name, levels);
  }
  if (unmapped.size > 0) {
    const all = [...unmapped];
    const listed = all.slice(0, MAX_LISTED).map((n) => JSON.stringify(n)).join(', ');
    const more = all.length > MAX_LISTED ? ` and ${all.length - MAX_LISTED} more` : '';
    throw new AtlasError(
      'unmapped_labels',
      `${all.length} label(s) could not be mapped to the Cell Ontology: ${listed}${more}`,
      { unmapped: all },
    );
  }
  return out;
}
