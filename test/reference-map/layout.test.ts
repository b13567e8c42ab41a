import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { layoutUmap, type NeighbourGraph } from '../../reference-map/index.js';

/** Two groups of 30 points, each point's neighbours the next k of its own group (a ring). */
function twoGroups(k: number): NeighbourGraph {
  const n = 60;
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const base = i < 30 ? 0 : 30;
    for (let j = 0; j < k; j++) {
      indices[i * k + j] = base + ((i - base + j + 1) % 30);
      distances[i * k + j] = 0.1 * (j + 1);
    }
  }
  return { n, k, indices, distances };
}

describe('layoutUmap', () => {
  it('is deterministic for a seed, fits the unit square, and keeps unconnected groups apart', async () => {
    const graph = twoGroups(5);
    const a = await layoutUmap(graph, { seed: 5, epochs: 60 });
    const b = await layoutUmap(graph, { seed: 5, epochs: 60 });
    assert.deepEqual(a.xy, b.xy);
    assert.equal(a.epochs, 60);
    for (const v of a.xy) assert.ok(v >= 0 && v <= 1, `${v} outside [0, 1]`);
    const centre = (from: number) => {
      let x = 0;
      let y = 0;
      for (let i = from; i < from + 30; i++) [x, y] = [x + a.xy[2 * i]! / 30, y + a.xy[2 * i + 1]! / 30];
      return [x, y];
    };
    const spread = (from: number, [cx, cy]: number[]) => {
      let s = 0;
      for (let i = from; i < from + 30; i++) s += Math.hypot(a.xy[2 * i]! - cx!, a.xy[2 * i + 1]! - cy!) / 30;
      return s;
    };
    const c0 = centre(0);
    const c1 = centre(30);
    const gap = Math.hypot(c0[0]! - c1[0]!, c0[1]! - c1[1]!);
    assert.ok(gap > spread(0, c0) + spread(30, c1), `groups overlap: gap ${gap}`);
    const other = await layoutUmap(graph, { seed: 6, epochs: 60 });
    assert.notDeepEqual(other.xy, a.xy);
  });

  it('refuses a graph with no more points than neighbours', async () => {
    await assert.rejects(layoutUmap({ n: 3, k: 3, indices: new Int32Array(9), distances: new Float32Array(9) }, { seed: 1 }), RangeError);
  });
});
