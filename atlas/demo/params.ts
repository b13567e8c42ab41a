/**
 * The demo atlas's tunable constants, their calibrated defaults and their validation. The values were tuned
 * with bench/measure-demo-atlas.ts (README "Demo atlas" records the accuracies they give).
 */
import { AtlasError } from '../../common/index.js';

/** Cells per level-1 system, as in the seed's SCimilarity reference (fractions; renormalised over present systems). */
export const DEMO_SYSTEM_PROPORTIONS: Readonly<Record<string, number>> = {
  Immune: 0.544,
  Epithelial: 0.121,
  Neural: 0.08,
  Stromal: 0.069,
  Other: 0.059,
  Muscle: 0.05,
  Endothelial: 0.049,
  'Stem/Progenitor': 0.028,
};

/** Tunable constants of the model (norms are Euclidean lengths of the 128-d vectors before the warp). */
export interface DemoModelParams {
  readonly dim: number;
  /** Norms of the system, lineage, type and subtype offsets (subtype > type keeps subtype ≈ type accuracy). */
  readonly systemScale: number;
  readonly lineageScale: number;
  readonly typeScale: number;
  readonly subtypeScale: number;
  /** Expected norm of the isotropic per-cell noise (per-dimension sd = noiseScale / √dim). */
  readonly noiseScale: number;
  /** Rank of the nuisance subspace shared by all types (studies/batches and continuous technical factors). */
  readonly nuisanceRank: number;
  /** Number of studies/batches and the norm of each batch's offset inside the nuisance subspace. */
  readonly numBatches: number;
  readonly batchScale: number;
  /** Per-cell continuous nuisance (e.g. depth, cell cycle): expected norm inside the nuisance subspace. */
  readonly cellNuisanceScale: number;
  /** Fraction of cells that lie between their subtype and a sibling's (irreducible), and the blend range. */
  readonly mixFraction: number;
  readonly mixMin: number;
  readonly mixMax: number;
  /** Of the mixed cells, the fraction whose partner is in another lineage of the same system. */
  readonly mixCrossLineage: number;
  /** Of the other mixed cells, the fraction whose partner is a sibling subtype of the same type (if any). */
  readonly mixSameType: number;
  /** Fraction of cells whose label is another subtype's (drawn with the population's proportions). */
  readonly labelNoise: number;
  /**
   * The fixed warp x + U·tanh(V·x): hidden units, coordinates each unit reads (sparse V), units each
   * coordinate receives (sparse U), typical pre-activation sd (≈1.5 bends tanh well past linear) and the
   * typical norm of the displacement.
   */
  readonly warpUnits: number;
  readonly warpFanIn: number;
  readonly warpFanOut: number;
  readonly warpGain: number;
  readonly warpScale: number;
  /** Spread (log-normal sd) of subtype abundances within a system. */
  readonly abundanceSpread: number;
}

/** The calibrated constants (README "Demo atlas" records the accuracies they give). */
export const DEFAULT_DEMO_PARAMS: DemoModelParams = {
  dim: 128,
  systemScale: 1.6,
  lineageScale: 0.65,
  typeScale: 0.9,
  subtypeScale: 1.0,
  noiseScale: 1.0,
  nuisanceRank: 8,
  numBatches: 24,
  batchScale: 1.27,
  cellNuisanceScale: 0.85,
  mixFraction: 0.26,
  mixMin: 0.2,
  mixMax: 0.8,
  mixCrossLineage: 0.04,
  mixSameType: 0.6,
  labelNoise: 0.078,
  warpUnits: 16,
  warpFanIn: 16,
  warpFanOut: 2,
  warpGain: 1.5,
  warpScale: 0.5,
  abundanceSpread: 0.6,
};

/** Checks every constant (finite, ≥ 0, integers where counts, fractions ≤ 1) with one readable error. */
export function validateParams(p: DemoModelParams): void {
  const ints: (keyof DemoModelParams)[] = ['dim', 'nuisanceRank', 'numBatches', 'warpUnits', 'warpFanIn', 'warpFanOut'];
  for (const key of Object.keys(p) as (keyof DemoModelParams)[]) {
    const v = p[key];
    if (!Number.isFinite(v) || v < 0) throw new AtlasError('invalid_argument', `demo model: ${key} must be a finite number ≥ 0, got ${v}`);
    if (ints.includes(key) && !Number.isInteger(v)) throw new AtlasError('invalid_argument', `demo model: ${key} must be an integer, got ${v}`);
  }
  if (p.dim < 2) throw new AtlasError('invalid_argument', `demo model: dim must be ≥ 2, got ${p.dim}`);
  if (p.numBatches < 1) throw new AtlasError('invalid_argument', 'demo model: numBatches must be ≥ 1');
  if (p.nuisanceRank >= p.dim) throw new AtlasError('invalid_argument', `demo model: nuisanceRank must be < dim (${p.dim})`);
  for (const key of ['mixFraction', 'mixMin', 'mixMax', 'mixCrossLineage', 'mixSameType', 'labelNoise'] as const) {
    if (p[key] > 1) throw new AtlasError('invalid_argument', `demo model: ${key} must be in [0, 1], got ${p[key]}`);
  }
  if (p.warpFanIn > p.dim) throw new AtlasError('invalid_argument', `demo model: warpFanIn must be ≤ dim (${p.dim})`);
  if (p.warpFanOut > p.warpUnits) throw new AtlasError('invalid_argument', 'demo model: warpFanOut must be ≤ warpUnits');
  if (p.mixMin > p.mixMax) throw new AtlasError('invalid_argument', 'demo model: mixMin must be ≤ mixMax');
}
