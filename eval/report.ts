/** Plain-text tables of evaluation results, as `fractal-atlas eval` prints them. Pure string formatting. */
import type { FractalTableResult } from './fractal-table.js';

/** One row of an index-backed evaluation (see index-eval.ts), the fields the table needs. */
export interface ScoredRowLike {
  readonly name: string;
  readonly dims: number;
  readonly levels: readonly { readonly level: string; readonly accuracy: number; readonly macroF1: number }[];
}

function fmt(x: number | null, digits = 3): string {
  return x === null || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;
}

/** Renders rows of strings as an aligned table (first column left, the rest right). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) => cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Accuracy and macro-F1 per level, one table row per scored embedding. */
export function renderScoreRows(levelNames: readonly string[], rows: readonly ScoredRowLike[], extra?: { header: string; values: readonly (number | null)[] }): string {
  const header = ['embedding', 'dims', ...levelNames.map((l) => `acc ${l}`), ...levelNames.map((l) => `F1 ${l}`)];
  if (extra) header.push(extra.header);
  const body = rows.map((r, i) => {
    const cells = [r.name, r.dims > 0 ? String(r.dims) : 'mixed', ...r.levels.map((l) => fmt(l.accuracy)), ...r.levels.map((l) => fmt(l.macroF1))];
    if (extra) cells.push(fmt(extra.values[i]));
    return cells;
  });
  return renderTable(header, body);
}

/** The seed's table: accuracy and macro-F1 per level, silhouette of L1, then steerability and gains. */
export function formatFractalTable(result: FractalTableResult): string {
  const table = renderScoreRows(result.levelNames, result.rows, { header: 'silhouette L1', values: result.rows.map((r) => r.silhouetteL1) });
  const gains = result.gainOverOriginal.map((g) => `${g.level} ${signed(g.accuracy)}`).join(', ');
  return [
    `${result.k}-NN leave-one-out majority vote (cosine), ${result.n} cells`,
    '',
    table,
    '',
    `steerability S = (L1@prefix1 − L1@full) + (Leaf@full − Leaf@prefix1) = ${signed(result.steerability)}`,
    `fractal (full) − original accuracy: ${gains}`,
  ].join('\n');
}

/** The index-backed evaluation as a table. */
export function formatIndexEvaluation(report: {
  readonly index: { readonly dir: string; readonly cells: number; readonly quantization: string; readonly withOriginal?: boolean };
  readonly queries: { readonly file: string; readonly n: number; readonly leaveOneOut: boolean };
  readonly k: number;
  readonly levelColumns: readonly string[];
  readonly rows: readonly (ScoredRowLike & { readonly prefix: number | null })[];
}): string {
  const levelNames = report.rows[0]?.levels.map((l) => l.level) ?? [];
  const table = renderScoreRows(levelNames, report.rows);
  return [
    `index ${report.index.dir}: ${report.index.cells} reference cells, ${report.index.quantization}`,
    `queries ${report.queries.file}: ${report.queries.n} cells, ${report.queries.leaveOneOut ? "leave-one-out (each cell's own hit dropped)" : 'held out'}; ${report.k}-NN majority vote`,
    '',
    table,
    ...(report.index.withOriginal === false ? ['', 'no Original row: the index has no original-embedding index (build it with --with-original)'] : []),
  ].join('\n');
}
