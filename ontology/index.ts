/** Cell Ontology parsing and 4-level hierarchy materialisation. */
export type { HierarchyRow } from './levels.js';
export { parseObo } from './obo-parser.js';
export type { OboDocument, OboRelationship, OboSynonym, OboTerm } from './obo-parser.js';
export { buildOntologyGraph } from './graph.js';
export type { OntologyGraph, RelationAttributes, TermAttributes } from './graph.js';
export { LINEAGE_ANCHORS, NAME_OVERRIDES, OTHER, STEM_ANCHOR, SYSTEM_ANCHORS } from './anchors.js';
export type { Anchor } from './anchors.js';
export { buildNameIndex, createHierarchyResolver, resolveHierarchy, resolveName } from './hierarchy.js';
export type { HierarchyResolver, NameIndex, NameMatch, ResolvedName } from './hierarchy.js';
export { DEFAULT_OBO_URL, defaultCacheDir, loadOntology, readOboSource } from './loader.js';
export type { LoadOntologyOptions, LoadOntologyResult } from './loader.js';
