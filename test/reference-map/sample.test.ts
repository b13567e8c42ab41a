import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sampleStratified } from '../../reference-map/index.js';

/** Class of each row: class c has counts[c] rows, interleaved. */
function classes(counts: number[]): Uint16Array {
  const out: number[] = [];
  counts.forEach((n, c) => out.push(...Array(n).fill(c)));
  return Uint16Array.from(out.map((_, i) => out[(i * 7919) % out.length]!));
}

describe('sampleStratified', () => {
  const counts = [5000, 3000, 1000, 30, 3];
  const cls = classes(counts);

  it('draws exactly the size asked, sorted, without repeats', () => {
    const rows = sampleStratified(cls, counts.length, { size: 1000, seed: 1 });
    assert.equal(rows.length, 1000);
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i]! > rows[i - 1]!, 'ascending, distinct');
    assert.ok(rows[rows.length - 1]! < cls.length);
  });

  it('keeps rare classes (a floor per class) and shares the rest in proportion', () => {
    const rows = sampleStratified(cls, counts.length, { size: 1000, seed: 1, minPerClass: 20 });
    const got = new Array(counts.length).fill(0);
    for (const r of rows) got[cls[r]!]++;
    assert.equal(got[4], 3, 'a class smaller than the floor keeps all its rows');
    assert.ok(got[3] >= 20, `class 3 got ${got[3]}`);
    // Beyond the floor of 20, the big classes share the rest in the ratio of their remaining rows.
    const ratio = (a: number, b: number) => (got[a] - 20) / (got[b] - 20);
    assert.ok(Math.abs(ratio(0, 1) - 4980 / 2980) < 0.02, `${got[0]} / ${got[1]}`);
    assert.ok(Math.abs(ratio(0, 2) - 4980 / 980) < 0.1, `${got[0]} / ${got[2]}`);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const a = sampleStratified(cls, counts.length, { size: 500, seed: 3 });
    assert.deepEqual(sampleStratified(cls, counts.length, { size: 500, seed: 3 }), a);
    assert.notDeepEqual(sampleStratified(cls, counts.length, { size: 500, seed: 4 }), a);
  });

  it('takes every row when the reference is smaller than the sample', () => {
    const rows = sampleStratified(Uint16Array.from([0, 1, 1]), 2, { size: 10, seed: 1 });
    assert.deepEqual(Array.from(rows), [0, 1, 2]);
  });

  it('refuses a class code outside the vocabulary and a bad size', () => {
    assert.throws(() => sampleStratified(Uint16Array.from([0, 5]), 2, { size: 1, seed: 1 }), RangeError);
    assert.throws(() => sampleStratified(cls, counts.length, { size: 0, seed: 1 }), RangeError);
  });
});
