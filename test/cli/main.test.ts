import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

/** The compiled CLI entry, wherever this test was compiled to. */
export const CLI_ENTRY = fileURLToPath(new URL('../../cli/run.js', import.meta.url));

test('unknown command exits non-zero with one readable line', () => {
  const r = spawnSync(process.execPath, [CLI_ENTRY, 'no-such-command'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^fractal-atlas: unknown command "no-such-command"/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('help lists the commands and exits 0', () => {
  const r = spawnSync(process.execPath, [CLI_ENTRY, 'help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: fractal-atlas <command>/);
});
