/**
 * kNN vote over plain data, with SCimilarity's `get_predictions_kNN` statistics:
 * hits / hits_weighted per label (weight = 1/distance), vs2nd = best / (best + second), vsAll = best / all,
 * the same two over the weighted hits, and the min / max neighbour distance. Both ratios are 1 when the
 * neighbours carry a single label.
 */
import { UNASSIGNED, type LevelVote, type Weighting } from './annotate-types.js';

/** Distances are floored here before 1/distance, so an exact duplicate (distance 0) weighs 1e6, not ∞. */
export const MIN_WEIGHT_DISTANCE = 1e-6;

/** Votes of one neighbour list, per distinct label code in order of first appearance (nearest first). */
export interface Tally {
  readonly codes: number[];
  readonly hits: number[];
  readonly weighted: number[];
  readonly count: number;
  readonly minDist: number;
  readonly maxDist: number;
}

/**
 * Counts the label codes of `count` neighbours starting at `offset` (codes[i] is the label code of
 * neighbour i, distances[i] its distance). Negative codes (no neighbour) are skipped.
 */
export function tallyVotes(codes: ArrayLike<number>, distances: ArrayLike<number>, offset = 0, count = codes.length - offset): Tally {
  // Distinct labels are at most k (tens): a linear scan beats a Map here.
  const out = { codes: [] as number[], hits: [] as number[], weighted: [] as number[] };
  let n = 0;
  let minDist = Infinity;
  let maxDist = -Infinity;
  for (let i = offset; i < offset + count; i++) {
    const code = codes[i]!;
    if (code < 0) continue;
    const d = distances[i]!;
    let slot = out.codes.indexOf(code);
    if (slot < 0) {
      slot = out.codes.length;
      out.codes.push(code);
      out.hits.push(0);
      out.weighted.push(0);
    }
    out.hits[slot]! += 1;
    out.weighted[slot]! += 1 / Math.max(d, MIN_WEIGHT_DISTANCE);
    n++;
    if (d < minDist) minDist = d;
    if (d > maxDist) maxDist = d;
  }
  return { ...out, count: n, minDist: n ? minDist : NaN, maxDist: n ? maxDist : NaN };
}

/** Score of each tally slot under a weighting. */
export function tallyScores(t: Tally, weighting: Weighting): number[] {
  return weighting === 'distance' ? t.weighted : t.hits;
}

/**
 * Slot of the winner: highest score; ties go to the higher other score (weighted for uniform, hits for
 * distance), then to the label seen first (the nearest neighbour's), as Python's max over a dict does.
 * `allowed` restricts the candidates. Returns -1 when no candidate has a positive score.
 */
export function pickWinner(t: Tally, weighting: Weighting, allowed?: (code: number) => boolean): number {
  const main = tallyScores(t, weighting);
  const other = weighting === 'distance' ? t.hits : t.weighted;
  let best = -1;
  for (let s = 0; s < t.codes.length; s++) {
    if (allowed && !allowed(t.codes[s]!)) continue;
    if (!(main[s]! > 0)) continue;
    if (best < 0 || main[s]! > main[best]! || (main[s] === main[best] && other[s]! > other[best]!)) best = s;
  }
  return best;
}

function ratios(values: number[]): { vs2nd: number; vsAll: number } {
  if (values.length === 0) return { vs2nd: 0, vsAll: 0 };
  if (values.length === 1) return { vs2nd: 1, vsAll: 1 };
  const sorted = [...values].sort((a, b) => b - a);
  const total = values.reduce((a, b) => a + b, 0);
  return { vs2nd: sorted[0]! / (sorted[0]! + sorted[1]!), vsAll: sorted[0]! / total };
}

function labelRecord(t: Tally, values: number[], vocabulary: readonly string[]): Record<string, number> {
  const rec: Record<string, number> = {};
  for (let s = 0; s < t.codes.length; s++) rec[vocabulary[t.codes[s]!] ?? `#${t.codes[s]}`] = values[s]!;
  return rec;
}

/** Options of {@link voteLevel}. */
export interface VoteOptions {
  readonly weighting: Weighting;
  /** Confidence below this gives "unassigned" (default 0: always assigned when there are hits). */
  readonly minConfidence?: number;
  /** Prefix searched, copied into the result. */
  readonly prefix: number;
}

/**
 * The vote of one level: winner, confidence (vsAll, or vsAll_weighted with distance weighting) and the
 * SCimilarity statistics. With no neighbours the label is "unassigned" and the distances are null.
 */
export function voteLevel(t: Tally, vocabulary: readonly string[], options: VoteOptions): LevelVote {
  const plain = ratios(t.hits);
  const weighted = ratios(t.weighted);
  const confidence = options.weighting === 'distance' ? weighted.vsAll : plain.vsAll;
  const winner = pickWinner(t, options.weighting);
  const assigned = winner >= 0 && confidence >= (options.minConfidence ?? 0);
  return {
    label: assigned ? (vocabulary[t.codes[winner]!] ?? UNASSIGNED) : UNASSIGNED,
    confidence,
    hits: labelRecord(t, t.hits, vocabulary),
    hits_weighted: labelRecord(t, t.weighted, vocabulary),
    vs2nd: plain.vs2nd,
    vsAll: plain.vsAll,
    vs2nd_weighted: weighted.vs2nd,
    vsAll_weighted: weighted.vsAll,
    min_dist: t.count ? t.minDist : null,
    max_dist: t.count ? t.maxDist : null,
    prefix: options.prefix,
  };
}
