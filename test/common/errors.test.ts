import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AtlasError, ERROR_TABLE, isAtlasError } from '../../common/index.js';

test('AtlasError carries the status and default message of its code', () => {
  const err = new AtlasError('wrong_dimension');
  assert.equal(err.status, 400);
  assert.equal(err.message, ERROR_TABLE.wrong_dimension.message);
  assert.ok(isAtlasError(err, 'wrong_dimension'));
  assert.ok(!isAtlasError(err, 'not_ready'));
  assert.ok(!isAtlasError(new Error('x')));
});

test('every error code maps to a 4xx or 5xx status', () => {
  for (const [code, spec] of Object.entries(ERROR_TABLE)) {
    assert.ok(spec.status >= 400 && spec.status < 600, code);
    assert.ok(spec.message.length > 0, code);
  }
});
