/**
 * Label → Cell Ontology term: CL ids in their three spellings, exact names (case-sensitive, then
 * case-insensitive), names without ", human", EXACT synonyms, then the manual overrides. Pure.
 */
import { NAME_OVERRIDES } from './anchors.js';
import type { OntologyGraph } from './graph.js';

/** How a label was matched to a term. */
export type NameMatch = 'cl_id' | 'name' | 'name_without_human' | 'name_case_insensitive' | 'synonym' | 'override';

/** A label resolved to a term id (or to a manual override). */
export interface ResolvedName {
  readonly id: string;
  readonly match: NameMatch;
}

const HUMAN_SUFFIX = ', human';

/** `CL:0000860`, `CL_0000860`, or the OBO purl IRI `http(s)://purl.obolibrary.org/obo/CL_0000860`. */
const CL_ID = /^(?:https?:\/\/purl\.obolibrary\.org\/obo\/)?CL[:_](\d{7})$/i;

/**
 * The canonical id (`CL:0000860`) of a label written as a CL id in any accepted spelling, else undefined.
 * Surrounding whitespace is ignored.
 */
export function parseClId(label: string): string | undefined {
  const m = CL_ID.exec(label.trim());
  return m === null ? undefined : `CL:${m[1]}`;
}

/** Lookup tables for name resolution, built once per graph. */
export interface NameIndex {
  readonly byName: ReadonlyMap<string, string>;
  /** Lower-cased names, for the case-insensitive pass that follows the exact one. */
  readonly byLowerName: ReadonlyMap<string, string>;
  readonly byExactSynonym: ReadonlyMap<string, string>;
  readonly hasTerm: (id: string) => boolean;
}

/**
 * Indexes term names (as written and lower-cased) and EXACT synonyms (lower-cased). When several terms share
 * a key the smallest id wins (plain string order), so resolution never depends on file order.
 */
export function buildNameIndex(graph: OntologyGraph): NameIndex {
  const byName = new Map<string, string>();
  const byLowerName = new Map<string, string>();
  const byExactSynonym = new Map<string, string>();
  const keep = (m: Map<string, string>, key: string, id: string): void => {
    const prev = m.get(key);
    if (prev === undefined || id < prev) m.set(key, id);
  };
  graph.forEachNode((id, attrs) => {
    keep(byName, attrs.name, id);
    keep(byLowerName, attrs.name.toLowerCase(), id);
    for (const s of attrs.synonyms) if (s.scope === 'EXACT') keep(byExactSynonym, s.text.toLowerCase(), id);
  });
  return { byName, byLowerName, byExactSynonym, hasTerm: (id) => graph.hasNode(id) };
}

/**
 * Resolves one label, first pass that matches wins:
 * 1. a CL id (`CL:0000860`, `CL_0000860`, purl IRI) of a live term;
 * 2. the exact name, then the name without a trailing ", human" (case-sensitive);
 * 3. the same two, case-insensitively (`Dendritic cell` → `dendritic cell`);
 * 4. EXACT synonyms, case-insensitively, for the label and the label without ", human";
 * 5. {@link NAME_OVERRIDES} (obsolete terms SCimilarity still uses), case-insensitively.
 * Returns undefined when nothing matches (a CL id of no live term included).
 */
export function resolveName(index: NameIndex, label: string): ResolvedName | undefined {
  const clId = parseClId(label);
  if (clId !== undefined) {
    if (index.hasTerm(clId)) return { id: clId, match: 'cl_id' };
    return Object.values(NAME_OVERRIDES).includes(clId) ? { id: clId, match: 'override' } : undefined;
  }
  const forms = label.endsWith(HUMAN_SUFFIX) ? [label, label.slice(0, -HUMAN_SUFFIX.length)] : [label];
  const lower = forms.map((f) => f.toLowerCase());
  const passes: [ReadonlyMap<string, string> | Readonly<Record<string, string>>, readonly string[], NameMatch[]][] = [
    [index.byName, forms, ['name', 'name_without_human']],
    [index.byLowerName, lower, ['name_case_insensitive', 'name_case_insensitive']],
    [index.byExactSynonym, lower, ['synonym', 'synonym']],
    [NAME_OVERRIDES, lower, ['override', 'override']],
  ];
  for (const [table, keys, matches] of passes) {
    for (const [i, key] of keys.entries()) {
      const id = table instanceof Map ? table.get(key) : Object.hasOwn(table, key) ? (table as Record<string, string>)[key] : undefined;
      if (id !== undefined) return { id, match: matches[i] };
    }
  }
  return undefined;
}
