import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FairQueue } from '../../search/fair-queue.js';

test('a request that arrives goes before the next job of a big one; in order within a lane', () => {
  const q = new FairQueue<string>();
  for (let i = 0; i < 6; i++) q.push(1, `big-${i}`);
  assert.equal(q.shift(), 'big-0');
  q.push(2, 'small-0');
  assert.equal(q.shift(), 'small-0');
  assert.deepEqual([q.shift(), q.shift()], ['big-1', 'big-2']);
  q.push(3, 'a');
  q.push(4, 'b');
  assert.deepEqual([q.shift(), q.shift(), q.shift()], ['a', 'b', 'big-3']);
  assert.equal(q.size, 2);
  assert.deepEqual(q.drain(), ['big-4', 'big-5']);
  assert.equal(q.size, 0);
  assert.equal(q.shift(), undefined);
});

test('a stream of small requests still leaves the big request every other turn; two big ones alternate', () => {
  const q = new FairQueue<string>();
  for (let i = 0; i < 4; i++) q.push(1, `big-${i}`);
  // Neither lane has been served at first: arrival order decides; after that the newcomer goes first.
  const order: string[] = [];
  for (let i = 0; i < 4; i++) {
    q.push(100 + i, `small-${i}`);
    order.push(q.shift()!, q.shift()!);
  }
  assert.deepEqual(order, ['big-0', 'small-0', 'small-1', 'big-1', 'small-2', 'big-2', 'small-3', 'big-3']);
  for (let i = 0; i < 3; i++) q.push(1, `x-${i}`);
  for (let i = 0; i < 3; i++) q.push(2, `y-${i}`);
  assert.deepEqual(Array.from({ length: 6 }, () => q.shift()), ['x-0', 'y-0', 'x-1', 'y-1', 'x-2', 'y-2']);
});

test('shift skips lanes that may not take another worker now', () => {
  const q = new FairQueue<string>();
  q.push(1, 'big-0');
  q.push(1, 'big-1');
  assert.equal(q.shift((lane) => lane !== 1), undefined);
  q.push(2, 'small');
  assert.equal(q.shift((lane) => lane !== 1), 'small');
  assert.equal(q.shift(), 'big-0');
});
