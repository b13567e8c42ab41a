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

/** Names and EXACT synonyms of every term, tokenised, with each token's inverse document frequency. */
export interface SuggestionTable {
  readonly candidates: readonly { readonly id: string; readonly text: string; readonly tokens: readonly string[] }[];
  readonly idf: ReadonlyMap<string, number>;
  readonly nameOf: (id: string) => string;
}

/**
 * Words of a label, lower-cased: `+`/`-` after a marker read as positive/negative (`CD14+` → cd14 positive),
 * a plural `s` dropped from words of 4+ letters, anything not a letter or digit separates words.
 */
export function tokenize(text: string): string[] {
  const spelled = text
    .toLowerCase()
    .replace(/([a-z0-9])\+(?=\s|$|[,;/)])/g, '$1 positive ')
    .replace(/([a-z0-9])-(?=\s|$|[,;/)])/g, '$1 negative ');
  const words = spelled.split(/[^a-z0-9]+/).filter((w) => w.length > 0);
  return [...new Set(words.map((w) => (w.length >= 4 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w)))];
}

/** Builds the candidate table of a graph (every term's name and EXACT synonyms). */
export function buildSuggestionTable(graph: OntologyGraph): SuggestionTable {
  const candidates: { id: string; text: string; tokens: string[] }[] = [];
  const df = new Map<string, number>();
  graph.forEachNode((id, attrs) => {
    const texts = [attrs.name, ...attrs.synonyms.filter((s) => s.scope === 'EXACT').map((s) => s.text)];
    for (const text of new Set(texts)) {
      const tokens = tokenize(text);
      candidates.push({ id, text, tokens });
      for (const t of tokens) df.set(t, (df.get(t) ?? 0) + 1);
    }
  });
  const n = candidates.length;
  const idf = new Map([...df].map(([t, c]) => [t, Math.log(1 + n / c)]));
  return { candidates, idf, nameOf: (id) => graph.getNodeAttribute(id, 'name') };
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

/**
 * Up to `max` terms for an unmapped label, best first. Score: the weighted Dice overlap of the label's and
 * the candidate's words (weights = idf, so "cd14" counts more than "cell"); a word also half-matches a word
 * at edit distance 1 when both have 5+ letters (typos). Ties: smaller edit distance of the whole lower-cased
 * texts, then smaller id. One entry per term (its best-scoring name or synonym); scores under 0.25 never.
 */
export function suggestTerms(table: SuggestionTable, label: string, max = 3): TermSuggestion[] {
  const words = tokenize(label);
  if (words.length === 0 || max <= 0) return [];
  const w = (t: string): number => table.idf.get(t) ?? Math.log(1 + table.candidates.length);
  const labelWeight = words.reduce((a, t) => a + w(t), 0);
  const match = (a: string, b: string): number =>
    a === b ? 1 : a.length >= 5 && b.length >= 5 && Math.abs(a.length - b.length) <= 1 && editDistance(a, b) === 1 ? NEAR_WEIGHT : 0;
  const lower = label.toLowerCase();
  const best = new Map<string, { score: number; dist: number }>();
  for (const c of table.candidates) {
    let shared = 0;
    for (const t of words) shared += w(t) * Math.max(0, ...c.tokens.map((u) => match(t, u)));
    if (shared === 0) continue;
    const candWeight = c.tokens.reduce((a, t) => a + w(t), 0);
    const score = (2 * shared) / (labelWeight + candWeight);
    if (score < MIN_SCORE) continue;
    const prev = best.get(c.id);
    if (prev !== undefined && prev.score > score) continue;
    const dist = editDistance(lower, c.text.toLowerCase());
    if (prev === undefined || score > prev.score || dist < prev.dist) best.set(c.id, { score, dist });
  }
  return [...best]
    .sort(([ia, a], [ib, b]) => b.score - a.score || a.dist - b.dist || (ia < ib ? -1 : 1))
    .slice(0, max)
    .map(([id]) => ({ id, name: table.nameOf(id) }));
}
