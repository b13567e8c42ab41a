/**
 * The on-disk contract of an index folder: what `fractal-atlas build` writes (`manifest.json`) and what
 * `openAtlasIndex` reads and verifies.
 */
import type { AdapterLayout } from '../adapter/index.js';
import type { LevelColumn } from '../common/index.js';

/** Version of the on-disk index layout; `openAtlasIndex` refuses any other. */
export const INDEX_FORMAT_VERSION = 3;

/**
 * usearch metric of an index. Every stored and query vector is L2-normalised, so inner product gives the same
 * distance as cosine (1 − cos) without recomputing both norms per distance (about 1.5× faster searches and
 * builds, BENCHMARKS.md). usearch's i8 kernels give inner-product distances on the int8 scale, so i8 indexes
 * keep `cos`.
 */
export type IndexMetric = 'ip' | 'cos';

/** The metric an index of this quantization uses. */
export function metricFor(quantization: Quantization): IndexMetric {
  return quantization === 'i8' ? 'cos' : 'ip';
}


/** Scalar types the usearch indexes can store, the default first. */
export const QUANTIZATIONS = ['f32', 'f16', 'i8'] as const;

/** One of {@link QUANTIZATIONS}. */
export type Quantization = (typeof QUANTIZATIONS)[number];

/** One usearch index file of the build. */
export interface IndexFileEntry {
  /** Prefix length j (1..S); 0 for the index over the original embeddings. */
  readonly prefix: number;
  /** File name inside the index folder. */
  readonly file: string;
  /** Vector dimensions (j·d, or the input dim for the original index). */
  readonly dims: number;
  /** Number of vectors in the index (= manifest.numCells). */
  readonly vectors: number;
  /** File size in bytes, checked at open. */
  readonly bytes: number;
  /** xxh64 of the file (16 hex digits), checked by `--verify full`. */
  readonly xxh64: string;
}

/** A plain data file of the build (labels, cell ids, stored vectors), checked at open by size and checksum. */
export interface DataFileEntry {
  readonly file: string;
  readonly bytes: number;
  /** xxh64 of the file (16 hex digits). */
  readonly xxh64: string;
}

/**
 * How much `openAtlasIndex` (and `fractal-atlas verify`) checks before serving:
 *  - `none`: the manifest's schema and every file's size (the floor: a truncated file never reaches usearch);
 *  - `quick`: also the usearch file headers (vector count, dims, magic), the cell-id offsets and hash directory
 *    (monotone, in range) and every label code (inside its vocabulary): reads ~30 bytes per cell;
 *  - `full`: also the xxh64 checksum of every file against the manifest (reads every byte).
 */
export type VerifyMode = 'none' | 'quick' | 'full';
export const VERIFY_MODES: readonly VerifyMode[] = ['none', 'quick', 'full'];

/** `manifest.json` of an index folder: everything needed to open, verify and describe the build. */
export interface IndexManifest extends AdapterLayout {
  readonly format: 'fractal-atlas-index';
  readonly formatVersion: number;
  /** ISO time the build finished. */
  readonly createdAt: string;
  readonly buildSeconds: number;
  /** Reference cells (rows of the atlas). */
  readonly numCells: number;
  /** One index per prefix j = 1..S, in order. */
  readonly prefixes: readonly IndexFileEntry[];
  /** Optional index over the original (input) embeddings, `--with-original`. */
  readonly original: IndexFileEntry | null;
  /** usearch metric of the files (see {@link metricFor}); distances are cosine distances either way. */
  readonly metric: IndexMetric;
  readonly quantization: Quantization;
  readonly connectivity: number;
  readonly expansionAdd: number;
  /** Beam of searches where {@link IndexManifest.beams} has none (and of the default index views). */
  readonly expansionSearch: number;
  /** Beams per prefix and k calibrated for a recall target at build time; null or absent: `expansionSearch` for all. */
  readonly beams?: BeamTable | null;
  readonly adapter: {
    /** sha256 of the adapter file (of the string "identity" for the identity adapter). */
    readonly sha256: string;
    readonly identity: boolean;
    /** Base name of the adapter file at build time (informative). */
    readonly file: string;
    /** The adapter's own metadata as it reported it (informative). */
    readonly metadata?: Readonly<Record<string, unknown>>;
  };
  /**
   * The expression encoder whose latent space the atlas embeddings live in (`build --encoder`); null or
   * absent when the index was built without one. Serving counts needs this file (same sha256).
   */
  readonly encoder?: EncoderEntry | null;
  readonly atlas: {
    readonly sha256: string;
    /** Base name of the atlas file at build time (informative). */
    readonly file: string;
    readonly bytes: number;
  };
  /** Per level column, every label of the atlas (codes in `labels.bin` index into these). */
  readonly vocabularies: Readonly<Record<LevelColumn, readonly string[]>>;
  /** Cell Ontology ids (codes in `labels.bin` index into this); empty when the atlas has none. */
  readonly clIdVocabulary: readonly string[];
  /** Cells per label, per level column (same order as the vocabularies). */
  readonly labelCounts: Readonly<Record<LevelColumn, readonly number[]>>;
  /**
   * The atlas's level table: each distinct (level1..level4) code tuple that occurs, as `[c1, c2, c3, c4]`.
   * The hierarchy-consistent call picks children through it.
   */
  readonly levelTable: readonly (readonly number[])[];
  /**
   * Cosine distance above which a query cell's nearest reference neighbour marks it out of reference:
   * the 99th percentile of leave-one-out nearest-neighbour distances of a reference sample at the finest
   * prefix, measured at build time.
   */
  readonly outOfReferenceDistance: number;
  /** Columnar label / id / vector files. */
  readonly files: {
    readonly labels: DataFileEntry;
    readonly cellIds: DataFileEntry;
    readonly cellIdOffsets: DataFileEntry;
    readonly cellIdHash: DataFileEntry;
    /** Full adapter outputs, f32 `numCells × S·d` (cell-id queries, exact filtered fallback). */
    readonly vectors: DataFileEntry;
    /** Original embeddings, f32 `numCells × inputDim`, only with `--with-original`. */
    readonly originalVectors: DataFileEntry | null;
  };
  /** The reference map (map.bin, served by GET /v1/map); absent or null when built with `--no-map`. */
  readonly map?: MapFileEntry | null;
}

/** The reference map file of an index folder. */
export interface MapFileEntry extends DataFileEntry {
  /** Sampled cells laid out. */
  readonly points: number;
  /** Seconds the sample, kNN graph and layout took. */
  readonly seconds: number;
}


/** The manifest's record of an expression encoder (see adapter/encoder-contract.ts). */
export interface EncoderEntry {
  /** sha256 of the encoder ONNX file. */
  readonly sha256: string;
  /** Base name of the file at build time (informative). */
  readonly file: string;
  readonly numGenes: number;
  /** = the index's input dim. */
  readonly latentDim: number;
  /** sha256 of the gene order (symbols joined by "\n"). */
  readonly geneOrderSha256: string;
  readonly targetSum: number;
  readonly log1p: boolean;
  /** Where the weights came from, as the encoder file says (folder, checkpoint sha256). */
  readonly source: Readonly<Record<string, unknown>>;
}

/** One calibrated beam: the smallest `ef` whose measured recall@k reached the target (or the widest tried). */
export interface BeamEntry {
  readonly prefix: number;
  readonly k: number;
  readonly ef: number;
  /** recall@k measured at `ef` on queries made from sampled reference cells (index-build/calibrate-beams.ts). */
  readonly recall: number;
}

/** The manifest's `beams`: how they were chosen and one entry per (prefix, k) calibrated. */
export interface BeamTable {
  readonly recallTarget: number;
  /** What was searched: reference cells reflected through their nearest neighbour, or held-out cells. */
  readonly queries: 'reflected' | 'held-out';
  /** Cells searched per prefix. */
  readonly sample: number;
  readonly entries: readonly BeamEntry[];
}
