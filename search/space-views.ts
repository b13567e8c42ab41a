/**
 * The search spaces of one engine at every beam it searches with. usearch's JS binding fixes
 * `expansion_search` per index object, so each beam is one more memory-mapped view of the same file (shared
 * page cache; opening one costs milliseconds, up to ~100 ms at 1M cells, BENCHMARKS.md). A calibrated beam's
 * view opens at its first search and stays open (an engine that never searches at it, e.g. one that only
 * annotates at k = 50, never pays for it); other beams a request names are kept for later requests (the few
 * most recent).
 */
import { join } from 'node:path';
import { VectorIndex, searchBeam, type IndexManifest } from '../index-files/index.js';
import type { SearchSpace } from './filtered-search.js';

/** Views at request-named beams kept open per engine. */
const MAX_EF_VIEWS = 8;

export class SpaceViews {
  /** `prefix:ef` of every calibrated beam other than the base one. */
  private readonly calibratedKeys: ReadonlySet<string>;
  private readonly calibrated = new Map<string, SearchSpace>();
  /** Least recently used first. */
  private readonly named = new Map<string, SearchSpace>();

  /** `spaces`: each prefix (0 = original) opened at the manifest's `expansionSearch`. */
  constructor(
    private readonly dir: string,
    private readonly m: IndexManifest,
    private readonly spaces: ReadonlyMap<number, SearchSpace>,
  ) {
    this.calibratedKeys = new Set((m.beams?.entries ?? []).filter((e) => e.ef !== m.expansionSearch).map((e) => `${e.prefix}:${e.ef}`));
  }

  /** The space of `prefix` at the manifest's beam (its vectors and dims are the same at every beam). */
  base(prefix: number): SearchSpace {
    return this.spaces.get(prefix)!;
  }

  /** The space a k-nearest search of `prefix` runs in: at beam `ef`, or at the calibrated beam for k. */
  at(prefix: number, k: number, ef?: number): SearchSpace {
    const beam = ef ?? searchBeam(this.m, prefix, k);
    if (beam === this.m.expansionSearch) return this.base(prefix);
    const key = `${prefix}:${beam}`;
    if (this.calibratedKeys.has(key)) {
      let calibrated = this.calibrated.get(key);
      if (!calibrated) this.calibrated.set(key, (calibrated = this.open(prefix, beam)));
      return calibrated;
    }
    let view = this.named.get(key);
    if (view) {
      this.named.delete(key);
    } else {
      view = this.open(prefix, beam);
      if (this.named.size >= MAX_EF_VIEWS) this.named.delete(this.named.keys().next().value!);
    }
    this.named.set(key, view);
    return view;
  }

  private open(prefix: number, ef: number): SearchSpace {
    const space = this.base(prefix);
    const entry = prefix === 0 ? this.m.original! : this.m.prefixes.find((p) => p.prefix === prefix)!;
    const params = { dims: space.dims, quantization: this.m.quantization, connectivity: this.m.connectivity, expansionAdd: this.m.expansionAdd, expansionSearch: ef };
    return { ...space, index: VectorIndex.view(join(this.dir, entry.file), params, this.m.numCells) };
  }
}
