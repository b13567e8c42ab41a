/** Cell Ontology parsing and 4-level hierarchy materialisation. */
export { LEVEL_COLUMNS, shortLevelName } from './levels.js';
export type { HierarchyRow, LevelColumn } from './levels.js';
