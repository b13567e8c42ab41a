import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexRowName } from '../../eval/index.js';

test('index eval rows: the identity adapter\'s one prefix is the original embedding, not "Fractal (full)"', () => {
  assert.equal(indexRowName(true, 1, 1), 'Original (identity adapter)');
  assert.equal(indexRowName(false, 4, 4), 'Fractal (full = prefix 4)');
  assert.equal(indexRowName(false, 2, 4), 'Fractal (prefix 2)');
});
