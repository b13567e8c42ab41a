/**
 * The four hierarchy levels materialised from the Cell Ontology, coarse to fine. These column names are the
 * one source of truth: the atlas schema, the index manifest and the adapter metadata all carry them.
 */
export const LEVEL_COLUMNS = ['level1_system', 'level2_lineage', 'level3_type', 'level4_subtype'] as const;

/** One of {@link LEVEL_COLUMNS}. */
export type LevelColumn = (typeof LEVEL_COLUMNS)[number];

/** The 4 levels of one label, plus the label's Cell Ontology id (null for manual overrides without one). */
export interface HierarchyRow {
  readonly cl_id: string | null;
  readonly level1_system: string;
  readonly level2_lineage: string;
  readonly level3_type: string;
  readonly level4_subtype: string;
}

/** The short name of a level column as the API speaks it: `level2_lineage` → `lineage`. */
export function shortLevelName(column: string): string {
  return column.replace(/^level\d+_/, '');
}
