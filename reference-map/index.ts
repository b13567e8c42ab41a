/** The reference map: a stratified sample of the reference laid out in 2-D (UMAP), and its file format. */
export { sampleStratified } from './sample.js';
export type { SampleStratifiedOptions } from './sample.js';
export { layoutUmap } from './layout.js';
export type { LayoutOptions, LayoutResult, NeighbourGraph } from './layout.js';
export { MAP_MAGIC, decodeMapHeader, encodeMapFile } from './map-file.js';
export type { MapContent, MapHeader, MapSection } from './map-file.js';
