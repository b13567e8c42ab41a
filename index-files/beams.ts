/**
 * Search beams per prefix and k, chosen at build time for a recall target (issue 12). usearch's JS binding
 * fixes `expansion_search` per index object, and one beam for every search is too wide for a k = 10 search of
 * a 32-d prefix and may be too narrow for k = 100 at 128 d; `fractal-atlas build` measures the recall of each
 * beam on reference cells and records the smallest that reaches the target (index-build/calibrate-beams.ts).
 */
import type { BeamEntry, IndexManifest } from './types.js';

/**
 * The beam a search of `k` neighbours at `prefix` runs with when the request names none: the calibrated beam
 * of the smallest calibrated k ≥ `k` (of the largest one beyond it; usearch widens any beam to k itself), or
 * the manifest's fixed `expansionSearch` where the build calibrated none (`--expansion-search`, older folders,
 * the original-embeddings index).
 */
export function searchBeam(m: Pick<IndexManifest, 'beams' | 'expansionSearch'>, prefix: number, k: number): number {
  let best: BeamEntry | undefined;
  let widest: BeamEntry | undefined;
  for (const e of m.beams?.entries ?? []) {
    if (e.prefix !== prefix) continue;
    if (e.k >= k && (best === undefined || e.k < best.k)) best = e;
    if (widest === undefined || e.k > widest.k) widest = e;
  }
  return (best ?? widest)?.ef ?? m.expansionSearch;
}

/** One line on the beams searches use: `beams for recall@k ≥ 0.99 (held-out cells): k 10: ef 24/24/32/32, k 50: …` (one ef per prefix). */
export function describeBeams(m: Pick<IndexManifest, 'beams' | 'expansionSearch'>): string {
  if (!m.beams) return `beam ${m.expansionSearch} for every search`;
  const entries = m.beams.entries;
  const ks = [...new Set(entries.map((e) => e.k))];
  return `beams for recall@k ≥ ${m.beams.recallTarget} (${m.beams.queries} cells): ${ks.map((k) => `k ${k}: ef ${entries.filter((e) => e.k === k).map((e) => e.ef).join('/')}`).join(', ')}`;
}
