import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_LIMITS, resolveLimits } from '../../server/index.js';

test('limits: overrides merge over the defaults; a limit must be a positive integer', () => {
  assert.equal(resolveLimits({ maxCells: 2 }).maxCells, 2);
  assert.equal(resolveLimits({ maxCells: 2 }).maxSearchK, DEFAULT_LIMITS.maxSearchK);
  assert.throws(() => resolveLimits({ maxCells: 0 }), /maxCells must be a positive integer/);
  assert.throws(() => resolveLimits({ maxSearchK: 1.5 }), /positive integer/);
});
