/**
 * Annotation from neighbours: each query cell's kNN vote at every served level (over the neighbours of that
 * level's prefix), its hierarchy-consistent call and its distance to the reference. Pure: the engine hands in
 * the neighbours it found and the label table.
 */
import { AtlasError, LEVEL_COLUMNS, type LevelColumn } from '../common/index.js';
import type { IndexManifest, LabelTable } from '../index-files/index.js';
import type { PlanNeighbours } from './annotate-plan.js';
import type { CellAnnotation, LevelVote, Weighting } from './annotate-types.js';
import { callConsistentLevels } from './hierarchy-call.js';
import { tallyVotes, voteLevel, type Tally } from './vote.js';

/** What the vote needs of an annotate request. */
export interface CellVoteOptions {
  readonly n: number;
  readonly k: number;
  readonly weighting: Weighting;
  readonly minConfidence: number;
  readonly outOfReferenceDistance: number;
}

/** The n query cells' annotations from their neighbours at each level's prefix. */
export function annotateCells(m: IndexManifest, labels: LabelTable, { prefixOf, byPrefix }: PlanNeighbours, req: CellVoteOptions): CellAnnotation[] {
  const finest = Math.max(...(Object.values(prefixOf) as number[]));
  const cells: CellAnnotation[] = [];
  const codes = new Int32Array(req.k);
  for (let q = 0; q < req.n; q++) {
    const levels: Partial<Record<LevelColumn, LevelVote>> = {};
    const tallies: (Tally | null)[] = LEVEL_COLUMNS.map(() => null);
    for (const c of m.levelColumns) {
      const j = prefixOf[c]!;
      const nb = byPrefix.get(j)!;
      const l = LEVEL_COLUMNS.indexOf(c);
      const col = labels.levels[l]!;
      const size = m.vocabularies[c].length;
      for (let i = 0; i < nb.k; i++) {
        const row = nb.rows[q * nb.k + i]!;
        codes[i] = row < 0 ? -1 : col[row]!;
        if (codes[i]! >= size) throw new AtlasError('index_corrupt', `labels.bin has a code outside the ${c} vocabulary at row ${row}; rebuild the index`);
      }
      const tally = tallyVotes(codes, nb.distances.subarray(q * nb.k, (q + 1) * nb.k), 0, nb.k);
      tallies[l] = tally;
      levels[c] = voteLevel(tally, m.vocabularies[c], { weighting: req.weighting, minConfidence: req.minConfidence, prefix: j });
    }
    const consistent = callConsistentLevels(LEVEL_COLUMNS, tallies, m.levelTable, m.vocabularies, {
      weighting: req.weighting,
      minConfidence: req.minConfidence,
    });
    const nb = byPrefix.get(finest)!;
    const nearest = nb.rows[q * nb.k]! >= 0 ? Math.max(0, nb.distances[q * nb.k]!) : null;
    cells.push({ levels, consistent, nearest_distance: nearest, out_of_reference: nearest === null || nearest > req.outOfReferenceDistance });
  }
  return cells;
}
