/**
 * The four hierarchy levels materialised from the Cell Ontology, coarse to fine. These column names are the
 * one source of truth: the atlas schema, the index manifest, the adapter metadata and the demo cell-type
 * table all carry them (adapter/python/onnx_contract.py repeats them for the trainer; a test checks parity).
 */
export const LEVEL_COLUMNS = ['level1_system', 'level2_lineage', 'level3_type', 'level4_subtype'] as const;

/** One of {@link LEVEL_COLUMNS}. */
export type LevelColumn = (typeof LEVEL_COLUMNS)[number];

/** True when `name` is one of {@link LEVEL_COLUMNS}. */
export function isLevelColumn(name: string): name is LevelColumn {
  return (LEVEL_COLUMNS as readonly string[]).includes(name);
}

/** The short name of a level column as the API speaks it: `level2_lineage` → `lineage`. */
export function shortLevelName(column: string): string {
  return column.replace(/^level\d+_/, '');
}
