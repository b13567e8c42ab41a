/**
 * Include / exclude filters over the label codes of the reference. A filter is compiled once against the
 * manifest vocabularies (unknown levels and labels are errors), then applied as a row mask.
 */
import { AtlasError, LEVEL_COLUMNS, quoteInput, shortLevelName, type LevelColumn } from '../common/index.js';
import { levelPosition, resolveLevel } from './level-names.js';
import type { SearchFilter } from './search-types.js';
import type { LabelCodes } from '../index-files/index.js';

/** Per level (position in LEVEL_COLUMNS), the codes a row must (include) or must not (exclude) have. */
export interface CompiledFilter {
  readonly include: readonly { readonly level: number; readonly codes: readonly number[] }[];
  readonly exclude: readonly { readonly level: number; readonly codes: readonly number[] }[];
  /** Canonical text of the filter: equal filters have equal keys (mask caches use it). */
  readonly key: string;
}

function compileSide(side: Readonly<Record<string, readonly string[]>> | undefined, vocabularies: Readonly<Record<LevelColumn, readonly string[]>>, what: string) {
  const out: { level: number; codes: number[] }[] = [];
  const seen = new Set<LevelColumn>();
  for (const [name, labels] of Object.entries(side ?? {})) {
    const column = resolveLevel(name, LEVEL_COLUMNS, `filter.${what} level`);
    if (seen.has(column)) throw new AtlasError('invalid_request', `filter.${what} gives level ${shortLevelName(column)} twice`);
    seen.add(column);
    const vocab = vocabularies[column];
    const codes = new Set<number>();
    labels.forEach((label, i) => {
      const code = vocab.indexOf(label);
      if (code < 0) throw new AtlasError('unknown_label', `filter.${what}.${name}[${i}] is an unknown ${shortLevelName(column)} label ${quoteInput(label)}${labelHint(label, vocab)}`);
      codes.add(code);
    });
    out.push({ level: levelPosition(column), codes: [...codes].sort((a, b) => a - b) });
  }
  return out.sort((a, b) => a.level - b.level);
}

/** A case-insensitive near miss, or where the vocabulary is listed. */
function labelHint(label: string, vocab: readonly string[]): string {
  const near = vocab.find((l) => l.toLowerCase() === label.toLowerCase());
  return near !== undefined ? ` (did you mean ${JSON.stringify(near)}?)` : ` (${vocab.length} labels at this level; see GET /v1/info)`;
}

/**
 * Compiles a filter against the vocabularies, or returns null when it filters nothing. Throws unknown_level,
 * unknown_label, or invalid_request for a level given twice (`system` and `level1_system`).
 */
export function compileFilter(filter: SearchFilter | undefined | null, vocabularies: Readonly<Record<LevelColumn, readonly string[]>>): CompiledFilter | null {
  if (filter === undefined || filter === null) return null;
  const include = compileSide(filter.include, vocabularies, 'include');
  const exclude = compileSide(filter.exclude, vocabularies, 'exclude');
  if (include.length === 0 && exclude.length === 0) return null;
  return { include, exclude, key: JSON.stringify([include, exclude]) };
}

/** True when reference row `row` passes the filter. */
export function rowMatches(labels: LabelCodes, filter: CompiledFilter, row: number): boolean {
  for (const inc of filter.include) {
    if (!inc.codes.includes(labels[inc.level]![row]!)) return false;
  }
  for (const exc of filter.exclude) {
    if (exc.codes.includes(labels[exc.level]![row]!)) return false;
  }
  return true;
}

/** One byte per reference row (1 = passes) and the number of passing rows. */
export interface RowMask {
  readonly mask: Uint8Array;
  readonly count: number;
}

/** Builds the row mask of a filter over every reference row. */
export function buildRowMask(labels: LabelCodes, filter: CompiledFilter, numRows: number): RowMask {
  // Per level, a lookup table code → verdict keeps the scan to a few array reads per row.
  const tables = (side: CompiledFilter['include']) =>
    side.map((s) => {
      const max = Math.max(...s.codes, 0);
      const t = new Uint8Array(Math.max(max + 1, 1));
      for (const c of s.codes) t[c] = 1;
      return { col: labels[s.level]!, t };
    });
  const inc = tables(filter.include);
  const exc = tables(filter.exclude);
  const mask = new Uint8Array(numRows);
  let count = 0;
  rows: for (let r = 0; r < numRows; r++) {
    for (const { col, t } of inc) if (t[col[r]!] !== 1) continue rows;
    for (const { col, t } of exc) if (t[col[r]!] === 1) continue rows;
    mask[r] = 1;
    count++;
  }
  return { mask, count };
}
