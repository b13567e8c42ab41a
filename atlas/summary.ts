/** The end-of-run summary of ingest and stratify: rows, classes per level, cells per system. Pure. */
import { LEVEL_COLUMNS, type LevelColumn } from '../common/index.js';
import { formatLevelCounts } from '../ontology/index.js';
import type { EncodedColumn } from './types.js';

/** What an atlas holds, level by level. */
export interface AtlasSummary {
  readonly rows: number;
  /** Number of distinct values of each level. */
  readonly classesPerLevel: Readonly<Record<LevelColumn, number>>;
  /** Rows per level-1 system, most cells first (ties by name). */
  readonly cellsPerSystem: ReadonlyArray<{ readonly system: string; readonly cells: number }>;
}

/** Accumulates counts batch by batch (batch dictionaries may differ: counts are keyed by string). */
export interface SummaryCounter {
  add(levels: Readonly<Record<LevelColumn, EncodedColumn>>): void;
  result(): AtlasSummary;
}

/** Creates an empty {@link SummaryCounter}. */
export function createSummaryCounter(): SummaryCounter {
  const counts = Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, new Map<string, number>()])) as Record<LevelColumn, Map<string, number>>;
  let rows = 0;
  return {
    add(levels) {
      for (const c of LEVEL_COLUMNS) {
        const col = levels[c];
        const local = new Float64Array(col.dictionary.length);
        for (let i = 0; i < col.codes.length; i++) local[col.codes[i]!]!++;
        const m = counts[c];
        for (let k = 0; k < local.length; k++) {
          if (local[k]! > 0) m.set(col.dictionary[k]!, (m.get(col.dictionary[k]!) ?? 0) + local[k]!);
        }
      }
      rows += levels[LEVEL_COLUMNS[0]].codes.length;
    },
    result() {
      const classesPerLevel = Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, counts[c].size])) as Record<LevelColumn, number>;
      const cellsPerSystem = [...counts.level1_system.entries()]
        .map(([system, cells]) => ({ system, cells }))
        .sort((a, b) => b.cells - a.cells || (a.system < b.system ? -1 : a.system > b.system ? 1 : 0));
      return { rows, classesPerLevel, cellsPerSystem };
    },
  };
}

/** Human-readable summary lines, with throughput when `seconds` is given. */
export function formatSummary(summary: AtlasSummary, seconds?: number): string {
  const lines = [`rows: ${summary.rows.toLocaleString('en-US')}`];
  lines.push(formatLevelCounts(summary.classesPerLevel));
  lines.push('cells per system:');
  for (const { system, cells } of summary.cellsPerSystem) {
    const pct = summary.rows > 0 ? ((100 * cells) / summary.rows).toFixed(1) : '0.0';
    lines.push(`  ${system.padEnd(18)} ${cells.toLocaleString('en-US').padStart(12)}  ${pct.padStart(5)} %`);
  }
  if (seconds !== undefined) {
    const rate = seconds > 0 ? Math.round(summary.rows / seconds) : 0;
    lines.push(`time: ${seconds.toFixed(1)} s (${rate.toLocaleString('en-US')} rows/s)`);
  }
  return `${lines.join('\n')}\n`;
}
