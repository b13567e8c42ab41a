#!/usr/bin/env node
/**
 * Prints the compiled test files for `npm test`, the longest-running first: node --test starts files in the
 * order given, so a slow file started last would run alone on one core at the end of the suite. The list only
 * orders (a file missing from it runs after these, in path order), so it cannot hide or skip a test.
 */
import { readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'dist', 'test');

// From `node --test --test-reporter=spec`'s per-file durations; re-measure when a file's cost changes a lot.
const SLOW_FIRST = [
  'web/page',
  'batch/annotate-cli',
  'server/arrow',
  'server/keep-alive',
  'server/hygiene',
  'adapter/encoder',
  'cli/encode',
  'adapter/train',
  'adapter/train-small',
  'server/e2e',
  'server/cli',
  'server/fuzz',
  'atlas/import',
  'server/expression',
  'cli/own-data',
  'search/onnx-adapter',
  'adapter/parity',
];

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : []));
}

const rank = (file) => {
  const i = SLOW_FIRST.indexOf(relative(testDir, file).replace(/\.test\.js$/, ''));
  return i < 0 ? SLOW_FIRST.length : i;
};
const files = walk(testDir).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
process.stdout.write(files.map((f) => relative(root, f)).join('\n') + '\n');
