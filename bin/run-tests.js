#!/usr/bin/env node
/**
 * `npm test`: runs every compiled test file (dist/test/**\/*.test.js) with node:test, the test files of one
 * folder in one process, three processes at a time on the 2 cores (two files that mostly wait on timers —
 * keep-alive and header timeouts — would otherwise hold a core idle), the longest-running first.
 *
 * Why one process per folder: a node process that loads the project's modules (Arrow, usearch, onnxruntime,
 * zod, the CL graph) costs ~0.3–0.5 CPU s before its first test; with 76 files that was a third of the suite's
 * CPU on a 2-core machine. Files of a folder share that start-up and nothing else: each file's fixtures live
 * in its own module scope, its temp folders are its own, servers listen on port 0, and tests run one after
 * another, so a file passes alone as it passes in its group (`npm run test:isolated` runs every file in its
 * own process, `node --test dist/test/<path>.test.js` one file).
 *
 * Files in {@link OWN_PROCESS} run alone: the slowest (so they start first and never run alone at the end)
 * and those that drive a browser or block the event loop on purpose.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const testDir = join(root, 'dist', 'test');
const groupDir = join(root, 'dist', 'test-groups');

// Longest first (node --test starts files in the order given), measured per file and per folder group
// (`node --test dist/test-groups/<folder>.test.js`). Only the order depends on these lists: a file or folder
// missing from them still runs, after the listed ones.
const OWN_PROCESS = ['web/page', 'server/keep-alive', 'server/hygiene'];
const GROUP_ORDER = ['server', 'adapter', 'atlas', 'search', 'batch', 'cli', 'index-build', 'ontology', 'eval'];

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : []));
}

/** Test files relative to dist/test without `.test.js`, in path order. */
function listTests() {
  return walk(testDir)
    .map((f) => relative(testDir, f).replace(/\.test\.js$/, ''))
    .sort();
}

/** The files to hand node --test: the own-process files, then one generated entry file per folder. */
function planRun(tests) {
  rmSync(groupDir, { recursive: true, force: true });
  mkdirSync(groupDir, { recursive: true });
  const folders = new Map();
  for (const t of tests) {
    if (OWN_PROCESS.includes(t)) continue;
    const folder = t.includes('/') ? t.slice(0, t.indexOf('/')) : '.';
    folders.set(folder, [...(folders.get(folder) ?? []), t]);
  }
  const groups = [...folders].map(([folder, members]) => {
    const file = join(groupDir, `${folder === '.' ? 'top' : folder}.test.js`);
    writeFileSync(file, members.map((m) => `import '../test/${m}.test.js';\n`).join(''));
    return { file, folder };
  });
  const rank = (folder) => (GROUP_ORDER.includes(folder) ? GROUP_ORDER.indexOf(folder) : GROUP_ORDER.length);
  groups.sort((a, b) => rank(a.folder) - rank(b.folder) || (a.folder < b.folder ? -1 : 1));
  const own = OWN_PROCESS.filter((t) => tests.includes(t)).map((t) => join(testDir, `${t}.test.js`));
  return [...own, ...groups.map((g) => g.file)];
}

const isolated = process.argv.includes('--isolated');
const tests = listTests();
const files = isolated ? tests.map((t) => join(testDir, `${t}.test.js`)) : planRun(tests);
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=3', '--test-reporter=spec', ...files.map((f) => relative(root, f))], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
