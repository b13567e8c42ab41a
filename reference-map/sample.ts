/** The stratified sample of reference rows that the map lays out. Pure: typed arrays in and out. */
import { createRng } from '../common/index.js';

/** Options of {@link sampleStratified}. */
export interface SampleStratifiedOptions {
  /** Rows to draw (all rows when the reference has fewer). */
  readonly size: number;
  readonly seed: number;
  /**
   * Rows every class keeps before the rest is shared proportionally (a rare subtype would otherwise vanish
   * from the map). Capped so that the floors take at most half of the sample.
   */
  readonly minPerClass?: number;
}

/**
 * Draws `size` rows stratified by class: every class first gets min(count, floor) rows, the remaining budget
 * is shared in proportion to the rows each class has left (largest remainder), and the rows of a class are
 * drawn by a seeded partial shuffle. Returns the chosen rows in increasing order.
 */
export function sampleStratified(classOfRow: ArrayLike<number>, numClasses: number, options: SampleStratifiedOptions): Uint32Array {
  const n = classOfRow.length;
  if (!Number.isSafeInteger(options.size) || options.size < 1) throw new RangeError(`sample size must be a positive integer, got ${options.size}`);
  if (options.size >= n) return Uint32Array.from({ length: n }, (_, i) => i);
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < n; i++) {
    const c = classOfRow[i]!;
    if (!(c >= 0 && c < numClasses)) throw new RangeError(`class ${c} of row ${i} outside [0, ${numClasses})`);
    counts[c]!++;
  }
  const present = counts.reduce((s, c) => s + (c > 0 ? 1 : 0), 0);
  const floor = Math.min(options.minPerClass ?? 50, Math.floor(options.size / (2 * present)));
  const quota = allocate(counts, options.size, floor);
  // Group rows by class (counting sort), then a partial Fisher–Yates per class.
  const starts = new Int32Array(numClasses + 1);
  for (let c = 0; c < numClasses; c++) starts[c + 1] = starts[c]! + counts[c]!;
  const fill = starts.slice(0, numClasses);
  const grouped = new Uint32Array(n);
  for (let i = 0; i < n; i++) grouped[fill[classOfRow[i]!]!++] = i;
  const rng = createRng(options.seed);
  const out = new Uint32Array(options.size);
  let o = 0;
  for (let c = 0; c < numClasses; c++) {
    const from = starts[c]!;
    const len = counts[c]!;
    for (let k = 0; k < quota[c]!; k++) {
      const j = from + k + rng.int(len - k);
      const t = grouped[from + k]!;
      grouped[from + k] = grouped[j]!;
      grouped[j] = t;
      out[o++] = grouped[from + k]!;
    }
  }
  return out.sort();
}

/** Per-class quotas summing to `size` (≤ total rows): floors first, the rest by largest remainder. */
function allocate(counts: Int32Array, size: number, floor: number): Int32Array {
  const quota = counts.map((c) => Math.min(c, floor));
  let left = size - quota.reduce((s, q) => s + q, 0);
  const spare = counts.map((c, i) => c - quota[i]!);
  const totalSpare = spare.reduce((s, x) => s + x, 0);
  const exact = Array.from(spare, (s) => (totalSpare > 0 ? (s * left) / totalSpare : 0));
  const order: number[] = [];
  for (let c = 0; c < counts.length; c++) {
    const whole = Math.min(spare[c]!, Math.floor(exact[c]!));
    quota[c]! += whole;
    left -= whole;
    order.push(c);
  }
  order.sort((a, b) => exact[b]! - Math.floor(exact[b]!) - (exact[a]! - Math.floor(exact[a]!)) || a - b);
  for (let i = 0; left > 0; i = (i + 1) % order.length) {
    const c = order[i]!;
    if (quota[c]! < counts[c]!) {
      quota[c]!++;
      left--;
    }
  }
  return quota;
}
