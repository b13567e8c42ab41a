import { readFile } from 'node:fs/promises';
import { AtlasError, LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import type { HierarchyRow } from '../../ontology/index.js';

/** One row of the demo cell-type table: a real CL cell type with its 4 levels. */
export interface DemoCellType extends HierarchyRow {
  readonly name: string;
}

/** Columns of `data/demo-cell-types.tsv`, in any order, header line first. */
export const DEMO_TABLE_COLUMNS = ['name', 'cl_id', ...LEVEL_COLUMNS] as const;

/**
 * Parses the demo cell-type table (TSV with a header line; blank lines and `#` comment lines are skipped).
 * Every level must be non-empty and every level4_subtype unique, since the subtype is the generator's class.
 */
export function parseCellTypeTable(text: string, source = 'cell-type table'): DemoCellType[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  if (lines.length === 0) throw new AtlasError('invalid_argument', `${source}: empty table`);
  const header = lines[0].split('\t').map((h) => h.trim());
  const col: Record<string, number> = {};
  for (const name of DEMO_TABLE_COLUMNS) {
    const i = header.indexOf(name);
    if (i < 0) throw new AtlasError('invalid_argument', `${source}: missing column "${name}" (header: ${header.join(', ')})`);
    col[name] = i;
  }
  const rows: DemoCellType[] = [];
  const seen = new Map<string, number>();
  for (let li = 1; li < lines.length; li++) {
    const f = lines[li].split('\t');
    const get = (name: string) => (f[col[name]] ?? '').trim();
    const levels = Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, get(c)])) as Record<LevelColumn, string>;
    const row: DemoCellType = { name: get('name'), cl_id: get('cl_id') || null, ...levels };
    for (const name of ['name', ...LEVEL_COLUMNS] as const) {
      if (!row[name]) throw new AtlasError('invalid_argument', `${source}: line ${li + 1} has an empty ${name}`);
    }
    const prev = seen.get(row.level4_subtype);
    if (prev !== undefined) {
      throw new AtlasError('invalid_argument', `${source}: subtype "${row.level4_subtype}" appears twice (lines ${prev} and ${li + 1})`);
    }
    seen.set(row.level4_subtype, li + 1);
    rows.push(row);
  }
  if (rows.length < 2) throw new AtlasError('invalid_argument', `${source}: needs at least 2 cell types, got ${rows.length}`);
  return rows;
}

/** Reads and parses a cell-type table file. */
export async function loadCellTypeTable(path: string): Promise<DemoCellType[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new AtlasError('file_not_found', `cell-type table not found: ${path}`);
    throw err;
  }
  return parseCellTypeTable(text, path);
}
