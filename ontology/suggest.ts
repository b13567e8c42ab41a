/**
 * "Did you mean …" for labels that match no term: the terms whose names or EXACT synonyms share the most
 * (rare) words with the label, edit distance breaking ties. Pure; the candidate table is built once per graph.
 */
import type { OntologyGraph } from './graph.js';

/** One suggested term. */
export interface TermSuggestion {
  readonly id: string;
  /** The term's name (also when the match was on one of its synonyms). */
  readonly name: string;
}

/** One name or EXACT synonym of a term, tokenised. */
interface Candidate {
  readonly id: string;
  readonly text: string;
  readonly tokens: readonly string[];
}

/**
 * A term's text that is one of its is_a parents' texts plus marker words only (`CD14-positive, CD16-negative
 * classical monocyte` → `classical monocyte`): a label's markers found in the child credit the parent too.
 */
interface MarkerLink {
  readonly child: Candidate;
  readonly parentId: string;
  readonly parentTokens: readonly string[];
}

/** Names and EXACT synonyms of every term, tokenised, with each token's inverse document frequency. */
export interface SuggestionTable {
  readonly candidates: readonly Candidate[];
  readonly markerLinks: readonly MarkerLink[];
  readonly idf: ReadonlyMap<string, number>;
  readonly nameOf: (id: string) => string;
}

/** Words that state a marker's level when they follow it with a hyphen (`CD56-dim`, `CD16-low`). */
const SIGN_WORDS = 'positive|negative|low|high|dim|bright';

/**
 * Words of a label, lower-cased. A marker with its sign (`CD14+`, `CD14-positive`, `CD16-`, `CD56-dim`) gives
 * the marker word and one signed token (`cd14`, `cd14=positive`), so `CD14-low` shares `cd14` but not
 * `cd14=positive`, and a sign never matches another marker's sign. A plural `s` is dropped from words of 4+
 * letters; anything not a letter or digit separates words.
 */
export function tokenize(text: string): string[] {
  const spelled = text
    .toLowerCase()
    .replace(/([a-z0-9])\+(?=\s|$|[,;/)])/g, '$1-positive ')
    .replace(/([a-z0-9])-(?=\s|$|[,;/)])/g, '$1-negative ')
    .replace(new RegExp(`([a-z0-9]+)-(${SIGN_WORDS})(?![a-z0-9])`, 'g'), ' $1 $1=$2 ');
  const words = spelled.split(/[^a-z0-9=]+/).filter((w) => w.length > 0 && !w.startsWith('=') && !w.endsWith('='));
  return [...new Set(words.map((w) => (w.length >= 4 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w)))];
}

/**
 * The keys whose document frequency weighs a text's tokens: a signed token weighs as common as its sign
 * (`=positive`, counted once per text), so the marker word carries the rarity and a label's `+` does not
 * outweigh its cell-type words.
 */
function weightKeysOf(tokens: readonly string[]): Set<string> {
  return new Set(tokens.map(weightKey));
}

/** `cd14=positive` → `=positive`; other tokens are their own key. */
function weightKey(token: string): string {
  const eq = token.indexOf('=');
  return eq > 0 ? token.slice(eq) : token;
}

/** Marker words and signed tokens of a token list (`cd14`, `cd14=positive`). */
function markerTokensOf(tokens: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const t of tokens) {
    const eq = t.indexOf('=');
    if (eq > 0) out.add(t).add(t.slice(0, eq));
  }
  return out;
}

/** Builds the candidate table of a graph (every term's name and EXACT synonyms, and their marker links). */
export function buildSuggestionTable(graph: OntologyGraph): SuggestionTable {
  const byTerm = new Map<string, Candidate[]>();
  const df = new Map<string, number>();
  graph.forEachNode((id, attrs) => {
    const texts = [attrs.name, ...attrs.synonyms.filter((s) => s.scope === 'EXACT').map((s) => s.text)];
    const own = [...new Set(texts)].map((text) => ({ id, text, tokens: tokenize(text) }));
    for (const c of own) for (const t of weightKeysOf(c.tokens)) df.set(t, (df.get(t) ?? 0) + 1);
    byTerm.set(id, own);
  });
  const candidates = [...byTerm.values()].flat();
  const n = candidates.length;
  const idf = new Map([...df].map(([t, c]) => [t, Math.log(1 + n / c)]));
  return { candidates, markerLinks: findMarkerLinks(graph, byTerm), idf, nameOf: (id) => graph.getNodeAttribute(id, 'name') };
}

/** Every (child text, is_a parent text) pair where the child text adds only marker words to the parent's. */
function findMarkerLinks(graph: OntologyGraph, byTerm: ReadonlyMap<string, readonly Candidate[]>): MarkerLink[] {
  const links: MarkerLink[] = [];
  graph.forEachOutEdge((_edge, attrs, childId, parentId) => {
    if (!attrs.types.includes('is_a')) return;
    for (const child of byTerm.get(childId) ?? []) {
      const markers = markerTokensOf(child.tokens);
      if (markers.size === 0) continue;
      for (const parent of byTerm.get(parentId) ?? []) {
        const extra = child.tokens.filter((t) => !parent.tokens.includes(t));
        if (extra.length > 0 && extra.every((t) => markers.has(t))) links.push({ child, parentId, parentTokens: parent.tokens });
      }
    }
  });
  return links;
}

/** Levenshtein distance (two rows). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** Typo matches (edit distance 1) count this much of a word's weight. */
const NEAR_WEIGHT = 0.5;
/** Candidates scoring below this share only common words ("cell") with the label: not worth suggesting. */
const MIN_SCORE = 0.25;
/** A parent credited through a marker link scores this fraction of the overlap (the child itself says more). */
const LINK_WEIGHT = 0.9;

/** A text stating a marker the label states with another sign (`CD14-low` for `CD14+`) scores this fraction. */
const CONFLICT_WEIGHT = 0.5;
/**
 * A text stating a marker present (`CD16-positive`, `-low`, …) that the label does not state scores this
 * fraction: a lab label that leaves a marker out more likely means cells without it.
 */
const UNSTATED_WEIGHT = 0.85;

/**
 * How far a text's signed markers agree with the label's: conflicting signs cost most, markers present that
 * the label does not name at all cost a little, absent ones (`-negative`) and ones it names unsigned nothing.
 */
function markerFactor(labelWords: readonly string[], tokens: readonly string[]): number {
  let factor = 1;
  for (const t of tokens) {
    const eq = t.indexOf('=');
    if (eq <= 0 || labelWords.includes(t)) continue;
    const marker = t.slice(0, eq + 1);
    if (labelWords.some((l) => l.startsWith(marker))) factor = Math.min(factor, CONFLICT_WEIGHT);
    else if (labelWords.includes(t.slice(0, eq))) continue;
    else if (!t.endsWith('=negative')) factor = Math.min(factor, UNSTATED_WEIGHT);
  }
  return factor;
}

/**
 * Up to `max` terms for an unmapped label, best first. Score: the weighted Dice overlap of the label's and
 * the candidate's words (weights = idf, so "cd14" counts more than "cell"); a word also half-matches a word
 * at edit distance 1 when both have 5+ letters (typos). A term also scores through each child text that is
 * one of its texts plus markers only (see {@link MarkerLink}): the parent's words plus the child's signed
 * markers that the label states, times 0.9, so `CD14+ monocyte` reaches `classical monocyte` through
 * `CD14-positive, CD16-negative classical monocyte` without the CD16 the label does not state. Ties: smaller
 * edit distance of the whole lower-cased texts, then smaller id. One entry per term (its best-scoring text);
 * scores under 0.25 never.
 */
export function suggestTerms(table: SuggestionTable, label: string, max = 3): TermSuggestion[] {
  const words = tokenize(label);
  if (words.length === 0 || max <= 0) return [];
  const w = (t: string): number => table.idf.get(weightKey(t)) ?? Math.log(1 + table.candidates.length);
  const labelWeight = words.reduce((a, t) => a + w(t), 0);
  const match = (a: string, b: string): number =>
    a === b ? 1 : a.length >= 5 && b.length >= 5 && Math.abs(a.length - b.length) <= 1 && editDistance(a, b) === 1 ? NEAR_WEIGHT : 0;
  const overlap = (tokens: readonly string[]): number => {
    let shared = 0;
    for (const t of words) shared += w(t) * Math.max(0, ...tokens.map((u) => match(t, u)));
    return shared === 0 ? 0 : (2 * shared) / (labelWeight + tokens.reduce((a, t) => a + w(t), 0));
  };
  const lower = label.toLowerCase();
  const best = new Map<string, { score: number; dist: number }>();
  const offer = (id: string, score: number, text: string): void => {
    if (score < MIN_SCORE) return;
    const prev = best.get(id);
    if (prev !== undefined && prev.score > score) return;
    const dist = editDistance(lower, text.toLowerCase());
    if (prev === undefined || score > prev.score || dist < prev.dist) best.set(id, { score, dist });
  };
  const signed = words.filter((t) => t.includes('='));
  for (const c of table.candidates) offer(c.id, markerFactor(words, c.tokens) * overlap(c.tokens), c.text);
  for (const link of signed.length === 0 ? [] : table.markerLinks) {
    const childSigned = link.child.tokens.filter((t) => t.includes('='));
    const stated = childSigned.filter((t) => signed.includes(t));
    if (stated.length === 0 || stated.length === childSigned.length) continue;
    const credited = new Set([...link.parentTokens, ...stated, ...stated.map((t) => t.slice(0, t.indexOf('=')))]);
    const factor = LINK_WEIGHT * markerFactor(words, link.child.tokens);
    offer(link.parentId, factor * overlap([...credited]), table.nameOf(link.parentId));
  }
  return [...best]
    .sort(([ia, a], [ib, b]) => b.score - a.score || a.dist - b.dist || (ia < ib ? -1 : 1))
    .slice(0, max)
    .map(([id]) => ({ id, name: table.nameOf(id) }));
}
