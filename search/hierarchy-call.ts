/**
 * The hierarchy-consistent call: levels are decided top-down, each among the labels that occur under the
 * labels already chosen in the atlas's own level table, so the call never contradicts itself (a "T cell"
 * type is never returned under a "Myeloid" lineage). Pure: tallies, a level table and vocabularies in.
 */
import type { LevelColumn } from '../common/index.js';
import { UNASSIGNED, type ConsistentLevel, type Weighting } from './annotate-types.js';
import { pickWinner, tallyScores, type Tally } from './vote.js';

/** Options of {@link callConsistentLevels}. */
export interface ConsistentCallOptions {
  readonly weighting: Weighting;
  /** A level whose winning share is below this, and every level under it, is "unassigned". */
  readonly minConfidence?: number;
}

/**
 * Chooses one label per available level, coarse to fine.
 *
 * `tallies[l]` is the vote of level column `columns[l]` (null when the index does not serve that level);
 * `levelTable` rows are code tuples over all `columns` (as in the manifest). At each served level the
 * candidates are the codes that occur in table rows matching every label chosen above; the winner is the
 * candidate with the highest score (hits, or weighted hits), and its confidence is its share of the whole
 * level's vote, so that votes lost to excluded branches count against it. A level with no candidate vote or
 * a confidence under `minConfidence` is "unassigned", and so is every level below it.
 */
export function callConsistentLevels(
  columns: readonly LevelColumn[],
  tallies: readonly (Tally | null)[],
  levelTable: readonly (readonly number[])[],
  vocabularies: Readonly<Record<LevelColumn, readonly string[]>>,
  options: ConsistentCallOptions,
): Partial<Record<LevelColumn, ConsistentLevel>> {
  const out: Partial<Record<LevelColumn, ConsistentLevel>> = {};
  let rows = levelTable;
  let stopped = false;
  for (let l = 0; l < columns.length; l++) {
    const tally = tallies[l];
    const column = columns[l]!;
    if (!tally) continue;
    if (stopped) {
      out[column] = { label: UNASSIGNED, confidence: 0 };
      continue;
    }
    const allowed = new Set<number>();
    for (const r of rows) allowed.add(r[l]!);
    const slot = pickWinner(tally, options.weighting, (code) => allowed.has(code));
    const scores = tallyScores(tally, options.weighting);
    const total = scores.reduce((a, b) => a + b, 0);
    const confidence = slot >= 0 && total > 0 ? scores[slot]! / total : 0;
    if (slot < 0 || confidence < (options.minConfidence ?? 0)) {
      out[column] = { label: UNASSIGNED, confidence };
      stopped = true;
      continue;
    }
    const code = tally.codes[slot]!;
    out[column] = { label: vocabularies[column][code] ?? UNASSIGNED, confidence };
    rows = rows.filter((r) => r[l] === code);
  }
  return out;
}
