/** Cell Ontology parsing and 4-level hierarchy materialisation. */
export type { HierarchyRow } from './levels.js';
export { parseObo } from './obo-parser.js';
export type { OboDocument } from './obo-parser.js';
export { buildOntologyGraph } from './graph.js';
export type { OntologyGraph } from './graph.js';
export { createHierarchyResolver, resolveHierarchy } from './hierarchy.js';
export type { HierarchyResolver } from './hierarchy.js';
export { DEFAULT_OBO_URL, defaultCacheDir, loadOntology } from './loader.js';
export type { LoadOntologyOptions, LoadOntologyResult } from './loader.js';
