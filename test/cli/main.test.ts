import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCliInProcess } from '../support/run-cli.js';

test('unknown command exits non-zero with one readable line', async () => {
  const r = await runCliInProcess(['no-such-command']);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^fractal-atlas: unknown command "no-such-command"/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('help lists the commands and exits 0; no command prints the help and exits 2', async () => {
  const r = await runCliInProcess(['help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: fractal-atlas <command>/);
  assert.match(r.stdout, /^ {2}serve {2,}/m);
  const none = await runCliInProcess([]);
  assert.equal(none.status, 2);
  assert.equal(none.stdout, r.stdout);
});

test('<command> --help prints that command\'s usage to stdout and exits 0', async () => {
  const r = await runCliInProcess(['build', '--help']);
  assert.equal(r.status, 0);
  assert.equal(r.stderr, '');
  assert.match(r.stdout, /^usage: fractal-atlas build /);
});
