/**
 * `labels.bin`: the reference's label codes, column after column, Uint16 little-endian: one block of
 * numCells codes per level column (LEVEL_COLUMNS order), then one block of Cell Ontology id codes
 * (0xFFFF = none). 10 bytes per cell; codes index the manifest vocabularies.
 */
import { open } from 'node:fs/promises';
import { readFullyAsync, LEVEL_COLUMNS } from '../common/index.js';

/** Code meaning "no Cell Ontology id". */
export const NO_CL_ID = 0xffff;
/** Largest vocabulary a level can have. */
export const MAX_VOCABULARY = 0xfffe;
/** Columns in labels.bin: the levels, then cl ids. */
export const LABEL_BLOCKS = LEVEL_COLUMNS.length + 1;

/** Bytes of labels.bin for `numCells` cells. */
export function labelBytes(numCells: number): number {
  return numCells * 2 * LABEL_BLOCKS;
}

/** The label code columns of the reference, one per level column (Uint16 codes, as stored in labels.bin). */
export type LabelCodes = readonly Uint16Array[];

/** Label codes loaded in one (optionally shared) buffer. */
export interface LabelTable {
  /** One Uint16Array per level column. */
  readonly levels: LabelCodes;
  readonly clIds: Uint16Array;
  /** The backing buffer, to hand to workers without copying. */
  readonly buffer: ArrayBufferLike;
}

/** Views a labels.bin buffer as columns. */
export function viewLabelTable(buffer: ArrayBufferLike, numCells: number): LabelTable {
  const levels = LEVEL_COLUMNS.map((_, l) => new Uint16Array(buffer, l * numCells * 2, numCells));
  return { levels, clIds: new Uint16Array(buffer, LEVEL_COLUMNS.length * numCells * 2, numCells), buffer };
}

/**
 * Reads labels.bin asynchronously into a SharedArrayBuffer (workers then share one copy and the main
 * thread is never blocked by the read).
 */
export async function loadLabelTable(path: string, numCells: number): Promise<LabelTable> {
  const bytes = labelBytes(numCells);
  const shared = new SharedArrayBuffer(bytes);
  const target = new Uint8Array(shared);
  const fh = await open(path, 'r');
  try {
    const done = await readFullyAsync(fh, target, 0);
    if (done < bytes) throw new Error(`${path}: unexpected end of file at byte ${done}`);
  } finally {
    await fh.close();
  }
  return viewLabelTable(shared, numCells);
}
