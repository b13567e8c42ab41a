/** Level names as the API speaks them (short names) and as files store them (level columns). */
import { AtlasError } from '../common/index.js';
import { LEVEL_COLUMNS, shortLevelName, type LevelColumn } from '../ontology/index.js';

/**
 * Resolves a short level name (`lineage`) or a level column (`level2_lineage`) among `allowed`; anything else
 * is `unknown_level`, with the allowed short names in the message.
 */
export function resolveLevel(name: unknown, allowed: readonly LevelColumn[], what = 'level'): LevelColumn {
  if (typeof name === 'string') {
    const lower = name.trim().toLowerCase();
    for (const column of allowed) {
      if (column === lower || shortLevelName(column) === lower) return column;
    }
  }
  const list = allowed.map((c) => shortLevelName(c)).join(', ');
  throw new AtlasError('unknown_level', `unknown ${what} ${JSON.stringify(name)}; allowed: ${list}`);
}

/** Position of a level column in {@link LEVEL_COLUMNS} (0 = system … 3 = subtype). */
export function levelPosition(column: LevelColumn): number {
  return LEVEL_COLUMNS.indexOf(column);
}
