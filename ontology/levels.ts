/** The materialised hierarchy of one label. */
import type { LevelColumn } from '../common/index.js';

/** The 4 levels of one label, plus the label's Cell Ontology id (null for manual overrides without one). */
export type HierarchyRow = { readonly cl_id: string | null } & { readonly [C in LevelColumn]: string };
