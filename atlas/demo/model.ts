/**
 * The demo atlas's generative model: everything that is fixed once per (table, seed) — class means, nuisance
 * subspace, batch offsets, warp, sampling tables. Cells are drawn from it by generate.ts. See README
 * "Demo atlas" for the model and how its constants were calibrated.
 */
import { AtlasError, LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import type { DemoCellType } from './cell-types.js';
import { DEFAULT_DEMO_PARAMS, DEMO_SYSTEM_PROPORTIONS, validateParams, type DemoModelParams } from './params.js';
import { createRng, type Rng } from '../prng.js';

export { DEFAULT_DEMO_PARAMS, DEMO_SYSTEM_PROPORTIONS, type DemoModelParams } from './params.js';


/** A materialised model: read-only tables that cell generation draws from. */
export interface DemoModel {
  readonly seed: number;
  readonly params: DemoModelParams;
  readonly dim: number;
  readonly types: readonly DemoCellType[];
  /** Dictionary of each level column and of cl_id (sorted, so codes do not depend on table order). */
  readonly dictionaries: Readonly<Record<LevelColumn, readonly string[]>>;
  readonly clIdDictionary: readonly string[];
  /** Code of subtype s (table row s) in each level's dictionary, and in the cl_id dictionary. */
  readonly subtypeCodes: Readonly<Record<LevelColumn, Int32Array>>;
  readonly subtypeClCodes: Int32Array;
  /** Class mean of each subtype, row-major S × dim (orthogonal to the nuisance subspace). */
  readonly means: Float32Array;
  /** Cumulative abundance of subtypes (sums to 1). */
  readonly subtypeCdf: Float64Array;
  /** Partners for between-sibling cells: same type, same lineage, and same system other lineage. */
  readonly partnersSameType: readonly Int32Array[];
  readonly partnersSameLineage: readonly Int32Array[];
  readonly partnersOtherLineage: readonly Int32Array[];
  /**
   * Orthonormal basis of the nuisance subspace, nuisanceRank × dim. Each basis vector lives on its own block
   * of coordinates (`nuisanceOwner[d]` is the vector that coordinate d belongs to, `nuisanceLoading[d]` its
   * value there), so adding a cell's nuisance costs dim operations instead of rank × dim.
   */
  readonly nuisanceBasis: Float32Array;
  readonly nuisanceOwner: Int32Array;
  readonly nuisanceLoading: Float32Array;
  /** Batch offsets (numBatches × dim, inside the nuisance subspace) and batch cumulative sizes. */
  readonly batchOffsets: Float32Array;
  readonly batchCdf: Float64Array;
  /** Sparse warp: unit h reads coordinates warpIn[h·fanIn + j] with weights warpV; coordinate d receives
   *  units warpOut[d·fanOut + j] with weights warpU. */
  readonly warpIn: Int32Array;
  readonly warpV: Float32Array;
  readonly warpOut: Int32Array;
  readonly warpU: Float32Array;
}

function randomUnit(rng: Rng, dim: number, basis: Float64Array[]): Float64Array {
  // Gram-Schmidt against `basis` keeps the vector out of an excluded subspace (the nuisance one).
  for (;;) {
    const v = new Float64Array(dim);
    for (let d = 0; d < dim; d++) v[d] = rng.gaussian();
    for (const b of basis) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += v[d] * b[d];
      for (let d = 0; d < dim; d++) v[d] -= dot * b[d];
    }
    let ss = 0;
    for (let d = 0; d < dim; d++) ss += v[d] * v[d];
    if (ss > 1e-8) {
      const inv = 1 / Math.sqrt(ss);
      for (let d = 0; d < dim; d++) v[d] *= inv;
      return v;
    }
  }
}

/** A seeded Fisher-Yates permutation of 0..n-1. */
function shuffledRange(rng: Rng, n: number): Int32Array {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

function cumulative(weights: number[]): Float64Array {
  const total = weights.reduce((a, b) => a + b, 0);
  const cdf = new Float64Array(weights.length);
  let acc = 0;
  weights.forEach((w, i) => {
    acc += w / total;
    cdf[i] = acc;
  });
  cdf[weights.length - 1] = 1;
  return cdf;
}


function dictionaryOf(values: string[]): { dict: string[]; index: Map<string, number> } {
  const dict = [...new Set(values)].sort();
  return { dict, index: new Map(dict.map((v, i) => [v, i])) };
}

/**
 * Builds the model for a cell-type table and a seed. Pure and deterministic: the same (table, seed, params)
 * always gives the same model, whatever the number of cells later drawn from it.
 */
export function createDemoModel(types: readonly DemoCellType[], seed: number, overrides: Partial<DemoModelParams> = {}): DemoModel {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new AtlasError('invalid_argument', `seed must be a non-negative integer, got ${seed}`);
  if (types.length < 2) throw new AtlasError('invalid_argument', `the demo atlas needs at least 2 cell types, got ${types.length}`);
  const params: DemoModelParams = { ...DEFAULT_DEMO_PARAMS, ...overrides };
  validateParams(params);
  const unknown = [...new Set(types.map((t) => t.level1_system))].filter((s) => !(s in DEMO_SYSTEM_PROPORTIONS));
  if (unknown.length > 0) {
    throw new AtlasError('invalid_argument', `unknown level1_system value(s) ${unknown.map((s) => JSON.stringify(s)).join(', ')}; expected one of ${Object.keys(DEMO_SYSTEM_PROPORTIONS).join(', ')}`);
  }
  const { dim } = params;
  const rng = createRng(seed, 0);

  // Block r of the coordinates carries nuisance vector r (random values, unit norm): disjoint supports make
  // the basis orthonormal for free.
  const R = params.nuisanceRank;
  const nuisanceOwner = new Int32Array(dim).fill(-1);
  const nuisanceLoading = new Float32Array(dim);
  const nuisance: Float64Array[] = [];
  if (R > 0) {
    const order = shuffledRange(rng, dim);
    for (let r = 0; r < R; r++) {
      const v = new Float64Array(dim);
      const from = Math.floor((r * dim) / R);
      const to = Math.floor(((r + 1) * dim) / R);
      let ss = 0;
      for (let j = from; j < to; j++) {
        v[order[j]] = rng.gaussian();
        ss += v[order[j]] ** 2;
      }
      for (let j = from; j < to; j++) {
        v[order[j]] /= Math.sqrt(ss);
        nuisanceOwner[order[j]] = r;
        nuisanceLoading[order[j]] = v[order[j]];
      }
      nuisance.push(v);
    }
  }
  // One random direction per distinct value at each level, drawn in table order (deterministic), all kept
  // orthogonal to the nuisance subspace so that projecting it out (the oracle) leaves the biology intact.
  const directions = new Map<string, Float64Array>();
  const directionOf = (key: string) => {
    let v = directions.get(key);
    if (!v) {
      v = randomUnit(rng, dim, nuisance);
      directions.set(key, v);
    }
    return v;
  };
  const S = types.length;
  const means = new Float32Array(S * dim);
  const scales = [params.systemScale, params.lineageScale, params.typeScale, params.subtypeScale];
  types.forEach((t, s) => {
    // Keys carry the parent path, so a lineage named like its system still gets its own offset.
    const keys = [
      `1|${t.level1_system}`,
      `2|${t.level1_system}|${t.level2_lineage}`,
      `3|${t.level1_system}|${t.level2_lineage}|${t.level3_type}`,
      `4|${t.level4_subtype}`,
    ];
    keys.forEach((key, l) => {
      const v = directionOf(key);
      for (let d = 0; d < dim; d++) means[s * dim + d] += scales[l] * v[d];
    });
  });

  const dicts = {} as Record<LevelColumn, readonly string[]>;
  const codes = {} as Record<LevelColumn, Int32Array>;
  for (const col of LEVEL_COLUMNS) {
    const { dict, index } = dictionaryOf(types.map((t) => t[col]));
    dicts[col] = dict;
    codes[col] = Int32Array.from(types, (t) => index.get(t[col])!);
  }
  const cl = dictionaryOf(types.map((t) => t.cl_id ?? ''));
  const subtypeClCodes = Int32Array.from(types, (t) => cl.index.get(t.cl_id ?? '')!);

  const present = [...new Set(types.map((t) => t.level1_system))];
  const perSystem = new Map(present.map((sys) => [sys, types.map((t, i) => (t.level1_system === sys ? i : -1)).filter((i) => i >= 0)]));
  const weights = new Array<number>(S).fill(0);
  for (const sys of present) {
    const members = perSystem.get(sys)!;
    const raw = members.map(() => Math.exp(params.abundanceSpread * rng.gaussian()));
    const total = raw.reduce((a, b) => a + b, 0);
    members.forEach((s, j) => (weights[s] = (DEMO_SYSTEM_PROPORTIONS[sys] * raw[j]) / total));
  }

  const partnersSameType: Int32Array[] = [];
  const partnersSameLineage: Int32Array[] = [];
  const partnersOtherLineage: Int32Array[] = [];
  types.forEach((t, s) => {
    const sys = perSystem.get(t.level1_system)!;
    partnersSameType.push(
      Int32Array.from(sys.filter((o) => o !== s && types[o].level2_lineage === t.level2_lineage && types[o].level3_type === t.level3_type)),
    );
    partnersSameLineage.push(Int32Array.from(sys.filter((o) => o !== s && types[o].level2_lineage === t.level2_lineage)));
    partnersOtherLineage.push(Int32Array.from(sys.filter((o) => types[o].level2_lineage !== t.level2_lineage)));
  });

  const nuisanceBasis = new Float32Array(params.nuisanceRank * dim);
  nuisance.forEach((b, r) => nuisanceBasis.set(b, r * dim));
  const batchOffsets = new Float32Array(params.numBatches * dim);
  const batchWeights: number[] = [];
  // Every batch offset has norm exactly batchScale (a random direction inside the nuisance subspace), so the
  // amount of removable confusion does not swing with the seed.
  for (let b = 0; b < params.numBatches && R > 0; b++) {
    const c = Array.from({ length: R }, () => rng.gaussian());
    const norm = Math.sqrt(c.reduce((a, v) => a + v * v, 0)) || 1;
    for (let r = 0; r < R; r++) {
      const w = (params.batchScale * c[r]) / norm;
      for (let d = 0; d < dim; d++) batchOffsets[b * dim + d] += w * nuisance[r][d];
    }
  }
  for (let b = 0; b < params.numBatches; b++) batchWeights.push(Math.exp(0.5 * rng.gaussian()));

  const { warpUnits: H, warpFanIn: fanIn, warpFanOut: fanOut } = params;
  // Typical norm of a cell before the warp: the terms are near-orthogonal, so their squares add.
  const typicalNorm = Math.sqrt(
    [params.systemScale, params.lineageScale, params.typeScale, params.subtypeScale, params.noiseScale, params.batchScale, params.cellNuisanceScale]
      .reduce((a, v) => a + v * v, 0),
  );
  const coordSd = Math.max(1e-6, typicalNorm / Math.sqrt(dim));
  const warpIn = new Int32Array(H * fanIn);
  const warpV = new Float32Array(H * fanIn);
  for (let h = 0; h < H; h++) {
    const coords = shuffledRange(rng, dim);
    for (let j = 0; j < fanIn; j++) {
      warpIn[h * fanIn + j] = coords[j];
      warpV[h * fanIn + j] = (params.warpGain * rng.gaussian()) / (Math.sqrt(fanIn) * coordSd);
    }
  }
  const warpOut = new Int32Array(dim * fanOut);
  const warpU = new Float32Array(dim * fanOut);
  // rms(tanh(z)) ≈ 0.75 for z ~ N(0, 1.5²): dividing it out makes warpScale the displacement's typical norm.
  const uScale = params.warpScale / (0.75 * Math.sqrt(dim * Math.max(1, fanOut)));
  for (let d = 0; d < dim; d++) {
    const units = shuffledRange(rng, H);
    for (let j = 0; j < fanOut; j++) {
      warpOut[d * fanOut + j] = units[j];
      warpU[d * fanOut + j] = uScale * rng.gaussian();
    }
  }

  return {
    seed,
    params,
    dim,
    types,
    dictionaries: dicts,
    clIdDictionary: cl.dict,
    subtypeCodes: codes,
    subtypeClCodes,
    means,
    subtypeCdf: cumulative(weights),
    partnersSameType,
    partnersSameLineage,
    partnersOtherLineage,
    nuisanceBasis,
    nuisanceOwner,
    nuisanceLoading,
    batchOffsets,
    batchCdf: cumulative(batchWeights),
    warpIn,
    warpV,
    warpOut,
    warpU,
  };
}
