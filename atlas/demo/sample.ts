import { AtlasError } from '../../common/index.js';

/**
 * Picks `n` row indices round-robin over classes (as stratify does by level4_subtype): round 1 takes each
 * class's first row, round 2 each class's second row, …; classes in order of code, rows in row order.
 * Classes that run out drop out, so small classes are fully used before big ones dominate. Pure.
 */
export function sampleRoundRobin(codes: Int32Array | readonly number[], n: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new AtlasError('invalid_argument', `sample size must be a non-negative integer, got ${n}`);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < codes.length; i++) {
    let g = groups.get(codes[i]);
    if (!g) groups.set(codes[i], (g = []));
    g.push(i);
  }
  const ordered = [...groups.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  const take = Math.min(n, codes.length);
  const out = new Int32Array(take);
  let filled = 0;
  for (let round = 0; filled < take; round++) {
    for (const g of ordered) {
      if (round < g.length) {
        out[filled++] = g[round];
        if (filled === take) break;
      }
    }
  }
  return out;
}
