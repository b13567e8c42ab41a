/**
 * Level names as the API speaks them: a short name (`lineage`) or the level column (`level2_lineage`),
 * matched exactly (no case folding, no trimming). The request schema and the service both resolve through
 * here, so a name means the same everywhere.
 */
import { AtlasError, LEVEL_COLUMNS, quoteInput, shortLevelName, type LevelColumn } from '../common/index.js';

/** Every accepted spelling of `columns`: the short names, then the columns. */
export function levelChoices(columns: readonly LevelColumn[]): string[] {
  return [...columns.map(shortLevelName), ...columns];
}

/** The column a short name or column stands for among `allowed`, or undefined. */
export function findLevel(name: string, allowed: readonly LevelColumn[]): LevelColumn | undefined {
  return allowed.find((c) => c === name || shortLevelName(c) === name);
}

/** `one of system, lineage (or a level column)` for messages. */
export function levelList(allowed: readonly LevelColumn[]): string {
  return `${allowed.map(shortLevelName).join(', ')} (or a level column)`;
}

/** Resolves a level name among `allowed`; anything else is `unknown_level`, listing the allowed names. */
export function resolveLevel(name: unknown, allowed: readonly LevelColumn[], what = 'level'): LevelColumn {
  const column = typeof name === 'string' ? findLevel(name, allowed) : undefined;
  if (column === undefined) throw new AtlasError('unknown_level', `${what} must be one of ${levelList(allowed)}, got ${quoteInput(name)}`);
  return column;
}

/** Position of a level column in {@link LEVEL_COLUMNS} (0 = system … 3 = subtype). */
export function levelPosition(column: LevelColumn): number {
  return LEVEL_COLUMNS.indexOf(column);
}
