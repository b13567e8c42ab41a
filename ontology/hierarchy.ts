import { AtlasError } from '../common/index.js';
import { LINEAGE_ANCHORS, OTHER, STEM_ANCHOR, SYSTEM_ANCHORS, type Anchor } from './anchors.js';
import type { OntologyGraph } from './graph.js';
import { LEVEL_COLUMNS, shortLevelName, type LevelColumn } from '../common/index.js';
import type { HierarchyRow } from './levels.js';
import { buildNameIndex, parseClId, resolveName, type NameMatch } from './name-index.js';
import { buildSuggestionTable, suggestTerms, type TermSuggestion } from './suggest.js';

/** Options of {@link createHierarchyResolver} and {@link resolveHierarchy}. */
export interface HierarchyOptions {
  /** Atlas label → CL id or CL name (see `readLabelMap`); labels not in the map resolve as themselves. */
  readonly labelMap?: ReadonlyMap<string, string>;
  /**
   * Level 4 value: `label` (default) keeps the atlas's own label (a label written as a CL id becomes the
   * term's name); `cl` uses the resolved term's name. The obsolete-term overrides keep the label either way.
   */
  readonly subtypeNames?: 'label' | 'cl';
}

/** The levels of one label, how it matched, and the text that was looked up (the label or its map target). */
export type ResolvedRow = HierarchyRow & { readonly match: NameMatch; readonly lookedUp: string };

/** Materialises the 4 levels of labels on one graph; reuse it for many labels. */
export interface HierarchyResolver {
  /** The levels of one label, or undefined when it cannot be resolved. */
  resolve(label: string): ResolvedRow | undefined;
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

/** Creates a {@link HierarchyResolver} (name index and per-anchor distances are built lazily, once). */
export function createHierarchyResolver(graph: OntologyGraph, options: HierarchyOptions = {}): HierarchyResolver {
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
   * Level 3, the reference's rule: on a shortest path leaf → its level-2 anchor (all edges), the second node
   * when the path has 3+ nodes; the leaf's own term name when it has 2 (direct child), 1 (leaf = anchor), or
   * when there is no level-2 anchor. Several shortest paths: among the leaf's parents one hop closer to the
   * anchor an `is_a` parent beats other relations, then the smallest id wins.
   */
  const typeOf = (id: string, lineage: Anchor | undefined): string => {
    const own = graph.getNodeAttribute(id, 'name');
    if (lineage === undefined) return own;
    const dist = distTo(lineage.id);
    const d = dist.get(id) as number;
    if (d <= 1) return own;
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
      const lookedUp = options.labelMap?.get(label) ?? label;
      const hit = resolveName(index, lookedUp);
      if (hit === undefined) return undefined;
      if (hit.match === 'override' || !graph.hasNode(hit.id)) {
        return { cl_id: hit.id, level1_system: OTHER, level2_lineage: OTHER, level3_type: label, level4_subtype: label, match: 'override', lookedUp };
      }
      const system = nearest(hit.id, SYSTEM_ANCHORS) ?? (distTo(STEM_ANCHOR.id).has(hit.id) ? STEM_ANCHOR : undefined);
      const lineage = nearest(hit.id, LINEAGE_ANCHORS);
      const termName = graph.getNodeAttribute(hit.id, 'name');
      const subtype = options.subtypeNames === 'cl' || parseClId(label) !== undefined ? termName : label;
      return {
        cl_id: hit.id,
        level1_system: system?.name ?? OTHER,
        level2_lineage: lineage?.name ?? system?.name ?? OTHER,
        level3_type: typeOf(hit.id, lineage),
        level4_subtype: subtype,
        match: hit.match,
        lookedUp,
      };
    },
  };
}

/** One label that matched no term, with what was looked up and the suggested terms. */
export interface UnmappedLabel {
  readonly label: string;
  /** The label map's target when the label is in the map, else the label. */
  readonly lookedUp: string;
  readonly suggestions: readonly TermSuggestion[];
}

/** `"CD14+ monocyte" (did you mean "CD14-positive monocyte" CL:0001054, …?)`. */
function describeUnmapped(u: UnmappedLabel): string {
  const mapped = u.lookedUp === u.label ? '' : ` (label map → ${JSON.stringify(u.lookedUp)})`;
  const hint =
    u.suggestions.length > 0
      ? ` (did you mean ${u.suggestions.map((s) => `${JSON.stringify(s.name)} ${s.id}`).join(', ')}?)`
      : parseClId(u.lookedUp) !== undefined
        ? ' (no live term has this id)'
        : ' (no suggestion)';
  return `${JSON.stringify(u.label)}${mapped}${hint}`;
}

/**
 * Resolves every label to its 4 levels (see README "Cell Ontology hierarchy"). Throws one
 * AtlasError('unmapped_labels') naming every label that matches no term, each with up to 3 suggestions;
 * `details.unmapped` lists the labels and `details.suggestions` the {@link UnmappedLabel}s.
 */
export function resolveHierarchy(graph: OntologyGraph, names: Iterable<string>, options: HierarchyOptions = {}): Map<string, HierarchyRow> {
  const resolver = createHierarchyResolver(graph, options);
  const out = new Map<string, HierarchyRow>();
  const unmapped = new Map<string, string>();
  for (const name of names) {
    if (out.has(name) || unmapped.has(name)) continue;
    const row = resolver.resolve(name);
    if (row === undefined) {
      unmapped.set(name, options.labelMap?.get(name) ?? name);
      continue;
    }
    const { match: _match, lookedUp: _lookedUp, ...levels } = row;
    out.set(name, levels);
  }
  if (unmapped.size > 0) {
    const table = buildSuggestionTable(graph);
    const all: UnmappedLabel[] = [...unmapped].map(([label, lookedUp]) => ({ label, lookedUp, suggestions: suggestTerms(table, lookedUp, 3) }));
    throw new AtlasError(
      'unmapped_labels',
      `${all.length} label(s) could not be mapped to the Cell Ontology: ${all.map(describeUnmapped).join('; ')}`,
      { unmapped: all.map((u) => u.label), suggestions: all },
    );
  }
  return out;
}

/** Number of distinct values at each level (categories per level), e.g. for SCimilarity 8 / 17 / ~120 / 203. */
export function summarizeLevels(rows: Iterable<HierarchyRow>): Record<LevelColumn, number> {
  const sets = LEVEL_COLUMNS.map(() => new Set<string>());
  for (const r of rows) LEVEL_COLUMNS.forEach((c, i) => sets[i].add(r[c]));
  return Object.fromEntries(LEVEL_COLUMNS.map((c, i) => [c, sets[i].size])) as Record<LevelColumn, number>;
}

/** `categories per level: system 8, lineage 17, type 120, subtype 203` (one line, no newline). */
export function formatLevelCounts(counts: Readonly<Record<LevelColumn, number>>): string {
  return `categories per level: ${LEVEL_COLUMNS.map((c) => `${shortLevelName(c)} ${counts[c]}`).join(', ')}`;
}
