/**
 * The demo atlas's generative model: everything that is fixed once per (table, seed) — class means, nuisance
 * subspace, batch offsets, warp, sampling tables. Cells are drawn from it by generate.ts. See README
 * "Demo atlas" for the model and how its constants were calibrated.
 */
import { AtlasError, LEVEL_COLUMNS, type LevelColumn } from '../../common/index.js';
import type { DemoCellType } from './cell-types.js';
import { DEFAULT_DEMO_PARAMS, DEMO_SYSTEM_PROPORTIONS, validateParams, type DemoModelParams } from './params.js';
import { createRng } from '../../common/index.js';
import { cumulative, drawBatches, drawMeans, drawNuisance, drawWarp, drawWeights } from './model-draws.js';

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
  // One stream, drawn part by part in this order: the order is part of what a seed means.
  const rng = createRng(seed, 0);
  const nuisance = drawNuisance(rng, dim, params.nuisanceRank);
  const means = drawMeans(rng, types, params, nuisance.vectors);
  const { dictionaries, codes, clIdDictionary, subtypeClCodes } = encodeTypes(types);
  const perSystem = systemsOf(types);
  const weights = drawWeights(rng, types, perSystem, params.abundanceSpread, DEMO_SYSTEM_PROPORTIONS);
  const nuisanceBasis = new Float32Array(params.nuisanceRank * dim);
  nuisance.vectors.forEach((b, r) => nuisanceBasis.set(b, r * dim));
  const batches = drawBatches(rng, params, nuisance.vectors);
  const warp = drawWarp(rng, params);
  return {
    seed,
    params,
    dim,
    types,
    dictionaries,
    clIdDictionary,
    subtypeCodes: codes,
    subtypeClCodes,
    means,
    subtypeCdf: cumulative(weights),
    ...partnersOf(types, perSystem),
    nuisanceBasis,
    nuisanceOwner: nuisance.owner,
    nuisanceLoading: nuisance.loading,
    batchOffsets: batches.offsets,
    batchCdf: batches.cdf,
    ...warp,
  };
}

/** Sorted dictionaries and per-subtype codes of every level column and of the CL ids. */
function encodeTypes(types: readonly DemoCellType[]) {
  const dictionaries = {} as Record<LevelColumn, readonly string[]>;
  const codes = {} as Record<LevelColumn, Int32Array>;
  for (const col of LEVEL_COLUMNS) {
    const { dict, index } = dictionaryOf(types.map((t) => t[col]));
    dictionaries[col] = dict;
    codes[col] = Int32Array.from(types, (t) => index.get(t[col])!);
  }
  const cl = dictionaryOf(types.map((t) => t.cl_id ?? ''));
  return { dictionaries, codes, clIdDictionary: cl.dict, subtypeClCodes: Int32Array.from(types, (t) => cl.index.get(t.cl_id ?? '')!) };
}

/** System → its subtypes (table positions), systems in order of first appearance. */
function systemsOf(types: readonly DemoCellType[]): Map<string, number[]> {
  const present = [...new Set(types.map((t) => t.level1_system))];
  return new Map(present.map((sys) => [sys, types.map((t, i) => (t.level1_system === sys ? i : -1)).filter((i) => i >= 0)]));
}

/** Per subtype, the subtypes of its system sharing its type, sharing its lineage, and of other lineages. */
function partnersOf(types: readonly DemoCellType[], perSystem: ReadonlyMap<string, number[]>) {
  const partnersSameType: Int32Array[] = [];
  const partnersSameLineage: Int32Array[] = [];
  const partnersOtherLineage: Int32Array[] = [];
  types.forEach((t, s) => {
    const sys = perSystem.get(t.level1_system)!;
    partnersSameType.push(Int32Array.from(sys.filter((o) => o !== s && types[o].level2_lineage === t.level2_lineage && types[o].level3_type === t.level3_type)));
    partnersSameLineage.push(Int32Array.from(sys.filter((o) => o !== s && types[o].level2_lineage === t.level2_lineage)));
    partnersOtherLineage.push(Int32Array.from(sys.filter((o) => types[o].level2_lineage !== t.level2_lineage)));
  });
  return { partnersSameType, partnersSameLineage, partnersOtherLineage };
}
