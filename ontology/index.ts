/** Cell Ontology parsing and 4-level hierarchy materialisation. */
export type { HierarchyRow } from './levels.js';
export { parseObo } from './obo-parser.js';
export type { OboDocument } from './obo-parser.js';
export { buildOntologyGraph } from './graph.js';
export type { OntologyGraph, RelationAttributes, TermAttributes } from './graph.js';
export { LINEAGE_ANCHORS, STEM_ANCHOR, SYSTEM_ANCHORS } from './anchors.js';
export type { Anchor } from './anchors.js';
export { parseClId } from './name-index.js';
export type { NameIndex, NameMatch, ResolvedName } from './name-index.js';
export { buildSuggestionTable, suggestTerms } from './suggest.js';
export type { SuggestionTable, TermSuggestion } from './suggest.js';
export { createHierarchyResolver, formatLevelCounts, resolveHierarchy, summarizeLevels } from './hierarchy.js';
export type { HierarchyOptions, HierarchyResolver, ResolvedRow, UnmappedLabel } from './hierarchy.js';
export { parseLabelMap } from './label-map.js';
export { DEFAULT_OBO_URL, defaultCacheDir, loadOntology, readLabelMap } from './loader.js';
export type { LoadOntologyOptions, LoadOntologyResult } from './loader.js';
