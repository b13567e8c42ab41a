// Where annotated query cells go on the reference map. `positions` is a Float32Array n × 2 in map units,
// NaN where a cell is not placed yet.
import { callOf } from './annotate-calls.js';

/** Mean map position of each query's neighbours that are in the map sample (search results from `start`). */
export function placeByNeighbours(map, results, start, positions) {
  results.forEach((r, j) => {
    let sx = 0;
    let sy = 0;
    let m = 0;
    for (const h of r.hits) {
      const i = map.indexOfId.get(h.cell_id);
      if (i === undefined) continue;
      sx += map.xy[2 * i];
      sy += map.xy[2 * i + 1];
      m++;
    }
    if (m > 0) {
      positions[2 * (start + j)] = sx / m;
      positions[2 * (start + j) + 1] = sy / m;
    }
  });
}

/** Per finest-level label code of the map: [sum x, sum y, count] of its map cells. */
function labelCentres(app, finest) {
  const centre = new Map();
  for (let i = 0; i < app.map.n; i++) {
    const code = app.map.codes[finest][i];
    const c = centre.get(code) ?? [0, 0, 0];
    c[0] += app.map.xy[2 * i];
    c[1] += app.map.xy[2 * i + 1];
    c[2]++;
    centre.set(code, c);
  }
  return centre;
}

/** Cells none of whose neighbours is on the map: at the centre of the map cells of their call. */
export function placeByLabel(app, calls, positions) {
  if (!app.map) return;
  const finest = app.columns.length - 1;
  const centre = labelCentres(app, finest);
  calls.forEach((call, i) => {
    if (!Number.isNaN(positions[2 * i])) return;
    const label = callOf(call, app.columns[finest]).label;
    const c = centre.get(app.codeOf[app.columns[finest]].get(label));
    if (!c) return;
    // A small deterministic spread so that such cells do not stack on one pixel.
    const a = i * 2.399963;
    const r = 0.004 * Math.sqrt((i % 97) / 97);
    positions[2 * i] = c[0] / c[2] + r * Math.cos(a);
    positions[2 * i + 1] = c[1] / c[2] + r * Math.sin(a);
  });
}

/** The placed cells as map query points, coloured by their call at the map's colour level. */
export function queryPointsOf(app, calls, positions) {
  const column = app.columns[app.colourLevel];
  const points = [];
  calls.forEach((call, i) => {
    if (Number.isNaN(positions[2 * i])) return;
    const rgb = app.colourOf(column, callOf(call, column).label) ?? [150, 150, 150];
    points.push({ x: positions[2 * i], y: positions[2 * i + 1], rgb });
  });
  return points;
}
