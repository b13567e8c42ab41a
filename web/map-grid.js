// A uniform grid over the map's unit square, so that hover and click find the point under the pointer by
// looking at a few grid cells instead of every point.

const GRID = 128;

/** Grid cell of point i (clamped, so points on the edge count). */
const cellOf = (xy, i) => Math.min(GRID - 1, Math.max(0, Math.floor(xy[2 * i] * GRID))) * GRID + Math.min(GRID - 1, Math.max(0, Math.floor(xy[2 * i + 1] * GRID)));

/**
 * Buckets the n points (xy in map units) by grid cell: the points of cell c are items[starts[c]] up to
 * items[starts[c + 1]] (a counting sort, no per-cell arrays).
 */
export function buildPointGrid(n, xy) {
  const counts = new Int32Array(GRID * GRID + 1);
  for (let i = 0; i < n; i++) counts[cellOf(xy, i) + 1]++;
  for (let c = 0; c < GRID * GRID; c++) counts[c + 1] += counts[c];
  const fill = counts.slice(0, GRID * GRID);
  const items = new Int32Array(n);
  for (let i = 0; i < n; i++) items[fill[cellOf(xy, i)]++] = i;
  return { starts: counts, items };
}

/** Nearest point to (ux, uy) within ur (all in map units) for which `accept(i)` holds, or -1. */
export function nearestPoint(grid, xy, ux, uy, ur, accept) {
  const { starts, items } = grid;
  const gx0 = Math.max(0, Math.floor((ux - ur) * GRID));
  const gx1 = Math.min(GRID - 1, Math.floor((ux + ur) * GRID));
  const gy0 = Math.max(0, Math.floor((uy - ur) * GRID));
  const gy1 = Math.min(GRID - 1, Math.floor((uy + ur) * GRID));
  let best = -1;
  let bestD = ur * ur;
  for (let gx = gx0; gx <= gx1; gx++) {
    for (let gy = gy0; gy <= gy1; gy++) {
      const c = gx * GRID + gy;
      for (let t = starts[c]; t < starts[c + 1]; t++) {
        const i = items[t];
        const dx = xy[2 * i] - ux;
        const dy = xy[2 * i + 1] - uy;
        const d = dx * dx + dy * dy;
        if (d <= bestD && accept(i)) {
          bestD = d;
          best = i;
        }
      }
    }
  }
  return best;
}
