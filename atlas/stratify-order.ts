/** The stratified row order: round-robin over classes, seeded shuffles. Pure (typed arrays in and out). */
import { createRng } from '../common/index.js';

/** Fisher–Yates shuffle of `a[from..to)` in place. */
export function shuffleRange(a: Int32Array, from: number, to: number, rng: () => number): void {
  for (let i = to - 1; i > from; i--) {
    const j = from + Math.floor(rng() * (i - from + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/**
 * The round-robin order of rows by class: output position k holds source row `order[k]`. Rows of each
 * class are shuffled (seeded), classes are visited in a seeded random order that stays the same every
 * round, and each round takes the next row of every class that still has one. So any prefix of
 * `m × (number of classes)` rows holds `m` rows of every class with at least `m` rows, and smaller classes
 * are exhausted early rather than padded. O(rows + classes) time, 2 Int32Arrays of rows.
 */
export function roundRobinOrder(classOfRow: Int32Array, numClasses: number, seed: number): Int32Array {
  const n = classOfRow.length;
  const counts = new Int32Array(numClasses);
  for (let i = 0; i < n; i++) {
    const c = classOfRow[i]!;
    if (!(c >= 0 && c < numClasses)) throw new RangeError(`class ${c} of row ${i} outside [0, ${numClasses})`);
    counts[c]!++;
  }
  // Counting sort: rows grouped by class, file order within a class, then shuffled.
  const start = new Int32Array(numClasses + 1);
  for (let c = 0; c < numClasses; c++) start[c + 1] = start[c]! + counts[c]!;
  const fill = start.slice(0, numClasses);
  const grouped = new Int32Array(n);
  for (let i = 0; i < n; i++) grouped[fill[classOfRow[i]!]!++] = i;
  const rng = createRng(seed).uniform;
  for (let c = 0; c < numClasses; c++) shuffleRange(grouped, start[c]!, start[c + 1]!, rng);

  let active = Int32Array.from({ length: numClasses }, (_, c) => c).filter((c) => counts[c]! > 0);
  shuffleRange(active, 0, active.length, rng);
  const order = new Int32Array(n);
  let k = 0;
  for (let round = 0; k < n; round++) {
    let kept = 0;
    for (let j = 0; j < active.length; j++) {
      const c = active[j]!;
      order[k++] = grouped[start[c]! + round]!;
      if (counts[c]! > round + 1) active[kept++] = c;
    }
    active = active.subarray(0, kept);
  }
  return order;
}

/** `inverse[order[k]] = k`: for each source row, its output position. Writes into `into` when given. */
export function inversePermutation(order: Int32Array, into?: Int32Array): Int32Array {
  const inv = into ?? new Int32Array(order.length);
  for (let k = 0; k < order.length; k++) inv[order[k]!] = k;
  return inv;
}
