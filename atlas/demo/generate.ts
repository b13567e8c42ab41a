/**
 * Draws demo cells from a {@link DemoModel} in chunks. Cells come in fixed blocks of {@link CELL_BLOCK} cells,
 * block j drawing from its own random stream (seed, 1 + j) in a fixed order per cell, so every cell depends
 * only on (table, seed, params) and its position: never on the chunk size, and any block can be generated
 * on its own (room for parallel generation).
 */
import { AtlasError, LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import type { AtlasBatchInput, EncodedColumn } from '../types.js';
import type { DemoModel } from './model.js';
import { createRng, type Rng } from '../../common/index.js';

/** What generation knows about each cell beyond its label (for calibration and tests, not written). */
export interface DemoCellTruth {
  /** The subtype whose biology the cell carries (its label differs when `noisy`). */
  readonly subtype: Int32Array;
  readonly batch: Int32Array;
  /** Partner subtype of a between-sibling cell, −1 otherwise; `blend` is the partner's weight. */
  readonly partner: Int32Array;
  readonly blend: Float32Array;
  /** 1 where the label is another subtype's. */
  readonly noisy: Uint8Array;
}

/** One generated chunk: an atlas batch (global dictionaries) plus the generation truth. */
export interface DemoChunk {
  readonly batch: AtlasBatchInput & { readonly cellIds: readonly string[]; readonly clIds: EncodedColumn };
  readonly truth: DemoCellTruth;
}

/** A stateful cell stream over a model. */
export interface DemoGenerator {
  /** Cells generated so far. */
  readonly generated: number;
  /** Generates the next `count` cells. */
  next(count: number): DemoChunk;
}

/** Cells per independent random stream. */
export const CELL_BLOCK = 4096;

/** Cell id of the i-th cell (0-based): `demo-000001` for the first. */
export function demoCellId(index: number): string {
  return `demo-${String(index + 1).padStart(6, '0')}`;
}

function search(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The mixing draw of one cell: 4 uniforms, always drawn; a partner subtype and blend when it mixes. */
function drawMixing(rng: Rng, model: DemoModel, s: number): { partner: number; t: number } {
  const { params } = model;
  const uMix = rng.uniform();
  const uSide = rng.uniform();
  const uPick = rng.uniform();
  const uBlend = rng.uniform();
  if (uMix >= params.mixFraction) return { partner: -1, t: 0 };
  // uSide picks the partner pool: another lineage (mixCrossLineage), else a sibling of the same type
  // (mixSameType), else any subtype of the same lineage; empty pools fall through to the next one.
  const sameType = model.partnersSameType[s];
  const same = model.partnersSameLineage[s];
  const other = model.partnersOtherLineage[s];
  const cross = params.mixCrossLineage;
  let list: Int32Array;
  if (uSide < cross && other.length > 0) list = other;
  else if (uSide < cross + (1 - cross) * params.mixSameType && sameType.length > 0) list = sameType;
  else list = same.length > 0 ? same : other;
  if (list.length === 0) return { partner: -1, t: 0 };
  return { partner: list[Math.floor(uPick * list.length)], t: params.mixMin + (params.mixMax - params.mixMin) * uBlend };
}

/** The label draw of one cell: 2 uniforms, always drawn; a wrong label with probability labelNoise. */
function drawLabel(rng: Rng, model: DemoModel, s: number): { label: number; noisy: boolean } {
  const uNoise = rng.uniform();
  const uLabel = rng.uniform();
  if (uNoise >= model.params.labelNoise) return { label: s, noisy: false };
  // A wrong label drawn with the population's proportions (system shares stay the seed's); the own
  // subtype's share of the draw is redirected to its successor so the label is always wrong.
  const label = search(model.subtypeCdf, uLabel);
  return { label: label === s ? (s + 1) % model.types.length : label, noisy: true };
}

/**
 * The embedding of one cell into `out[eo ..]`: its (blended) mean, batch offset, nuisance and noise, then the
 * fixed nonlinear warp x + U·tanh(V·x) (sparse U, V) that bends biology and nuisance together. Draws the
 * nuisance coefficients, then the noise. `x`, `noise`, `coefs`, `hidden` are scratch buffers.
 */
function embedCell(rng: Rng, model: DemoModel, cell: { s: number; b: number; partner: number; t: number }, out: Float32Array, eo: number, scratch: { x: Float64Array; noise: Float64Array; coefs: Float64Array; hidden: Float64Array }): void {
  const { dim, params, means, batchOffsets, nuisanceOwner, nuisanceLoading, warpIn, warpV, warpOut, warpU } = model;
  const { x, noise, coefs, hidden } = scratch;
  const R = params.nuisanceRank;
  const { warpFanIn: fanIn, warpFanOut: fanOut } = params;
  const ms = cell.s * dim;
  const mp = cell.partner * dim;
  const bo = cell.b * dim;
  for (let d = 0; d < dim; d++) {
    const mean = cell.partner >= 0 ? (1 - cell.t) * means[ms + d] + cell.t * means[mp + d] : means[ms + d];
    x[d] = mean + batchOffsets[bo + d];
  }
  for (let r = 0; r < R; r++) coefs[r] = (params.cellNuisanceScale / Math.sqrt(Math.max(1, R))) * rng.gaussian();
  rng.fillGaussian(noise, 0, dim, params.noiseScale / Math.sqrt(dim));
  for (let d = 0; d < dim; d++) {
    const r = nuisanceOwner[d];
    x[d] += noise[d] + (r >= 0 ? coefs[r] * nuisanceLoading[d] : 0);
  }
  for (let h = 0; h < params.warpUnits; h++) {
    let acc = 0;
    const o = h * fanIn;
    for (let j = 0; j < fanIn; j++) acc += warpV[o + j] * x[warpIn[o + j]];
    hidden[h] = Math.tanh(acc);
  }
  for (let d = 0; d < dim; d++) {
    let acc = x[d];
    const o = d * fanOut;
    for (let j = 0; j < fanOut; j++) acc += warpU[o + j] * hidden[warpOut[o + j]];
    out[eo + d] = acc;
  }
}

/** A chunk's level and CL id columns from each cell's label subtype. */
function labelColumns(model: DemoModel, labelSubtype: Int32Array) {
  const levels = {} as Record<LevelColumn, EncodedColumn>;
  for (const col of LEVEL_COLUMNS) {
    const map = model.subtypeCodes[col];
    levels[col] = { codes: Int32Array.from(labelSubtype, (l) => map[l]), dictionary: model.dictionaries[col] };
  }
  const clIds: EncodedColumn = { codes: Int32Array.from(labelSubtype, (l) => model.subtypeClCodes[l]), dictionary: model.clIdDictionary };
  return { levels, clIds };
}

/**
 * Creates a cell stream; cells use their own random streams (1, 2, …), separate from the model's (0).
 * `startCell` (a multiple of {@link CELL_BLOCK}) starts the stream further on: cell `startCell` comes out
 * exactly as it would after generating the cells before it.
 */
export function createDemoGenerator(model: DemoModel, startCell = 0): DemoGenerator {
  if (!Number.isSafeInteger(startCell) || startCell < 0 || startCell % CELL_BLOCK !== 0) {
    throw new AtlasError('invalid_argument', `startCell must be a non-negative multiple of ${CELL_BLOCK}, got ${startCell}`);
  }
  let rng = createRng(model.seed, 1 + startCell / CELL_BLOCK);
  const { dim, params } = model;
  const scratch = { x: new Float64Array(dim), noise: new Float64Array(dim), coefs: new Float64Array(params.nuisanceRank), hidden: new Float64Array(params.warpUnits) };
  let generated = startCell;

  const next = (count: number): DemoChunk => {
    if (!Number.isInteger(count) || count < 0) throw new AtlasError('invalid_argument', `chunk size must be a non-negative integer, got ${count}`);
    const embeddings = new Float32Array(count * dim);
    const labelSubtype = new Int32Array(count);
    const truth: DemoCellTruth = {
      subtype: new Int32Array(count),
      batch: new Int32Array(count),
      partner: new Int32Array(count).fill(-1),
      blend: new Float32Array(count),
      noisy: new Uint8Array(count),
    };
    const cellIds: string[] = new Array(count);
    for (let c = 0; c < count; c++) {
      const cellIndex = generated + c;
      if (cellIndex % CELL_BLOCK === 0) rng = createRng(model.seed, 1 + cellIndex / CELL_BLOCK);
      // Fixed draw order per cell: subtype, batch, mixing, label noise, nuisance coefficients, noise.
      const s = search(model.subtypeCdf, rng.uniform());
      const b = search(model.batchCdf, rng.uniform());
      const { partner, t } = drawMixing(rng, model, s);
      const { label, noisy } = drawLabel(rng, model, s);
      embedCell(rng, model, { s, b, partner, t }, embeddings, c * dim, scratch);
      labelSubtype[c] = label;
      truth.noisy[c] = noisy ? 1 : 0;
      truth.subtype[c] = s;
      truth.batch[c] = b;
      truth.partner[c] = partner;
      truth.blend[c] = t;
      cellIds[c] = demoCellId(cellIndex);
    }
    generated += count;
    const { levels, clIds } = labelColumns(model, labelSubtype);
    return { batch: { numRows: count, dim, embeddings, levels, cellIds, clIds }, truth };
  };

  return {
    get generated() {
      return generated;
    },
    next,
  };
}
