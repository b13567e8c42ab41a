/** Builds an index folder from an atlas: adapter pass, one usearch index per prefix, calibration, manifest. */
export { buildAtlasIndex, BUILD_DEFAULTS, BUILD_LIMITS } from './build.js';
export type { BuildHooks } from './build.js';
export type { BuildAtlasIndexOptions, BuildAtlasIndexResult } from './types.js';
export { MAP_DEFAULTS, addReferenceMap } from './map-pass.js';
export type { ReferenceMapOptions } from './map-pass.js';
export { BEAM_SAMPLE, calibrateIndexBeams } from './calibrate-beams.js';
