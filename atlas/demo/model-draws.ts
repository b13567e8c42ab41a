/**
 * The random draws of the demo model, one function per part. createDemoModel calls them in a fixed order on
 * one stream, so the same seed always gives the same model.
 */
import type { DemoCellType } from './cell-types.js';
import type { DemoModelParams } from './params.js';
import type { Rng } from '../../common/index.js';

export function randomUnit(rng: Rng, dim: number, basis: Float64Array[]): Float64Array {
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
export function shuffledRange(rng: Rng, n: number): Int32Array {
  const a = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

export function cumulative(weights: number[]): Float64Array {
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


/** R nuisance vectors on disjoint coordinate blocks (orthonormal for free), and each coordinate's owner and loading. */
export function drawNuisance(rng: Rng, dim: number, R: number) {
  const owner = new Int32Array(dim).fill(-1);
  const loading = new Float32Array(dim);
  const vectors: Float64Array[] = [];
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
        owner[order[j]] = r;
        loading[order[j]] = v[order[j]];
      }
      vectors.push(v);
    }
  }
  return { vectors, owner, loading };
}

/**
 * Subtype means: one random direction per distinct value at each level, drawn in table order, all orthogonal
 * to the nuisance subspace so that projecting it out (the oracle) leaves the biology intact.
 */
export function drawMeans(rng: Rng, types: readonly DemoCellType[], params: DemoModelParams, nuisance: Float64Array[]): Float32Array {
  const { dim } = params;
  const directions = new Map<string, Float64Array>();
  const directionOf = (key: string) => {
    let v = directions.get(key);
    if (!v) {
      v = randomUnit(rng, dim, nuisance);
      directions.set(key, v);
    }
    return v;
  };
  const means = new Float32Array(types.length * dim);
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
  return means;
}

/** Subtype weights: each system's share (`proportions`) split log-normally among its subtypes. */
export function drawWeights(rng: Rng, types: readonly DemoCellType[], perSystem: ReadonlyMap<string, number[]>, spread: number, proportions: Readonly<Record<string, number>>): number[] {
  const weights = new Array<number>(types.length).fill(0);
  for (const [sys, members] of perSystem) {
    const raw = members.map(() => Math.exp(spread * rng.gaussian()));
    const total = raw.reduce((a, b) => a + b, 0);
    members.forEach((s, j) => (weights[s] = (proportions[sys] * raw[j]) / total));
  }
  return weights;
}

/** Batch offsets of norm exactly batchScale inside the nuisance subspace (so removable confusion does not swing with the seed), and batch weights. */
export function drawBatches(rng: Rng, params: DemoModelParams, nuisance: Float64Array[]) {
  const { dim } = params;
  const R = nuisance.length;
  const offsets = new Float32Array(params.numBatches * dim);
  const weights: number[] = [];
  for (let b = 0; b < params.numBatches && R > 0; b++) {
    const c = Array.from({ length: R }, () => rng.gaussian());
    const norm = Math.sqrt(c.reduce((a, v) => a + v * v, 0)) || 1;
    for (let r = 0; r < R; r++) {
      const w = (params.batchScale * c[r]) / norm;
      for (let d = 0; d < dim; d++) offsets[b * dim + d] += w * nuisance[r][d];
    }
  }
  for (let b = 0; b < params.numBatches; b++) weights.push(Math.exp(0.5 * rng.gaussian()));
  return { offsets, cdf: cumulative(weights) };
}

/** The sparse tanh warp: H units with fanIn inputs each, every coordinate reading fanOut units. */
export function drawWarp(rng: Rng, params: DemoModelParams) {
  const { dim, warpUnits: H, warpFanIn: fanIn, warpFanOut: fanOut } = params;
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
  return { warpIn, warpV, warpOut, warpU };
}
