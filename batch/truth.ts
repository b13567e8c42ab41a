/**
 * `--truth-column`: accuracy and macro-F1 per level (eval's scoreCodes) of the voted and of the
 * hierarchy-consistent labels against a column of known labels. A truth label is looked up in the index's
 * vocabularies, finest level first; the levels above it follow from the atlas's level table, so a column of
 * subtypes scores all four levels and a column of types scores system, lineage and type.
 */
import { scoreCodes } from '../eval/index.js';
import { shortLevelName, type LevelColumn } from '../common/index.js';
import { LEVEL_COLUMNS } from '../common/index.js';
import type { IndexManifest } from '../index-files/index.js';
import type { AnnotationColumns } from '../search/index.js';

/** Scores of one level. */
export interface TruthLevelScore {
  readonly level: LevelColumn;
  /** Cells whose truth label gives this level. */
  readonly cells: number;
  readonly accuracy: number;
  readonly macroF1: number;
  readonly consistentAccuracy: number;
  readonly consistentMacroF1: number;
}

/** The scores of a run. */
export interface TruthReport {
  readonly column: string;
  readonly cells: number;
  /** Cells whose truth label is in none of the index's vocabularies (not scored). */
  readonly unknown: number;
  /** Up to 5 such labels, for the message. */
  readonly unknownExamples: readonly string[];
  readonly levels: readonly TruthLevelScore[];
}

/** Truth label → its code at every level (−1 where the label says nothing about a level). */
function createTruthLookup(m: IndexManifest): (label: string) => Int32Array | null {
  const cache = new Map<string, Int32Array | null>();
  return (label) => {
    if (cache.has(label)) return cache.get(label)!;
    let out: Int32Array | null = null;
    for (let l = LEVEL_COLUMNS.length - 1; l >= 0 && out === null; l--) {
      const code = m.vocabularies[LEVEL_COLUMNS[l]!].indexOf(label);
      if (code < 0) continue;
      const row = m.levelTable.find((r) => r[l] === code);
      out = Int32Array.from(LEVEL_COLUMNS, (_, k) => (k > l ? -1 : k === l ? code : (row?.[k] ?? -1)));
    }
    cache.set(label, out);
    return out;
  };
}

/** Scores the annotation `cols` of all cells against `truth` (one label per cell, in order). */
export function scoreTruth(column: string, truth: readonly string[], cols: AnnotationColumns, m: IndexManifest): TruthReport {
  const lookup = createTruthLookup(m);
  const resolved = truth.map((t) => (t === '' ? null : lookup(t)));
  const unknownLabels = new Set<string>();
  resolved.forEach((r, i) => r === null && unknownLabels.add(truth[i]!));
  const levels: TruthLevelScore[] = [];
  for (const level of cols.levels) {
    const l = LEVEL_COLUMNS.indexOf(level);
    const rows = resolved.flatMap((r, i) => (r !== null && r[l]! >= 0 ? [i] : []));
    if (rows.length === 0) continue;
    const want = Int32Array.from(rows, (i) => resolved[i]![l]!);
    const c = cols.perLevel[level]!;
    const voted = scoreCodes(want, Int32Array.from(rows, (i) => c.label[i]!));
    const consistent = scoreCodes(want, Int32Array.from(rows, (i) => c.consistent[i]!));
    levels.push({ level, cells: rows.length, accuracy: voted.accuracy, macroF1: voted.macroF1, consistentAccuracy: consistent.accuracy, consistentMacroF1: consistent.macroF1 });
  }
  const unknown = resolved.filter((r) => r === null).length;
  return { column, cells: truth.length, unknown, unknownExamples: [...unknownLabels].slice(0, 5), levels };
}

/** The report as a small table. */
export function formatTruthReport(r: TruthReport): string {
  const lines = [`truth column "${r.column}": ${r.cells} cells, ${r.cells - r.unknown} with a label of the index's vocabularies`];
  if (r.unknown > 0) lines.push(`  ${r.unknown} cells not scored: label not in the index (e.g. ${r.unknownExamples.map((u) => JSON.stringify(u)).join(', ')})`);
  lines.push(`  ${'level'.padEnd(9)} ${'cells'.padStart(8)}  accuracy  macro-F1  consistent acc  consistent F1`);
  for (const s of r.levels) {
    const f = (v: number) => v.toFixed(4).padStart(8);
    lines.push(`  ${shortLevelName(s.level).padEnd(9)} ${String(s.cells).padStart(8)}  ${f(s.accuracy)}  ${f(s.macroF1)}  ${f(s.consistentAccuracy).padStart(14)}  ${f(s.consistentMacroF1).padStart(13)}`);
  }
  return lines.join('\n');
}
