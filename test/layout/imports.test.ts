/**
 * The module layout, checked on the sources: imports flow one way (common → ontology, adapter → atlas →
 * reference-map → index-files → index-build, search → server, eval → batch → cli), reach another module only through its index.ts,
 * and form no cycle.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from '../../common/index.js';

/** Rank of each module: a module imports only modules of a lower rank. */
const RANK: Readonly<Record<string, number>> = {
  common: 0,
  ontology: 1,
  adapter: 1,
  atlas: 2,
  'reference-map': 3,
  'index-files': 4,
  'index-build': 5,
  search: 5,
  server: 6,
  eval: 6,
  batch: 7,
  cli: 8,
};

function sourcesOf(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourcesOf(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Relative imports of a file (static, dynamic and type-only), as absolute .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\(\s*)'(\.{1,2}\/[^']+)\.js'/g)].map((m) => m[1]!);
  return specs.map((s) => resolve(dirname(file), `${s}.ts`));
}

const moduleOf = (file: string) => relative(PROJECT_ROOT, file).split('/')[0]!;
const files = Object.keys(RANK).flatMap((m) => sourcesOf(join(PROJECT_ROOT, m)));
const graph = new Map(files.map((f) => [f, importsOf(f)]));

test('imports flow one way, and into another module only through its index.ts', () => {
  const wrong: string[] = [];
  for (const [file, targets] of graph) {
    const from = moduleOf(file);
    for (const target of targets) {
      const to = moduleOf(target);
      if (to === from) continue;
      const where = `${relative(PROJECT_ROOT, file)} → ${relative(PROJECT_ROOT, target)}`;
      if (!(to in RANK)) wrong.push(`${where}: not a module`);
      else if (RANK[to]! >= RANK[from]!) wrong.push(`${where}: ${to} is not below ${from}`);
      else if (relative(join(PROJECT_ROOT, to), target) !== 'index.ts') wrong.push(`${where}: not through ${to}/index.ts`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no import cycle between source files', () => {
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]) => {
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), file, next].map((f) => relative(PROJECT_ROOT, f)).join(' → '));
      else if (!state.has(next) && graph.has(next)) visit(next, [...path, file]);
    }
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file, []);
  assert.deepEqual(cycles, []);
});

test('every import names a file that exists', () => {
  const missing = [...graph].flatMap(([file, targets]) => targets.filter((t) => !graph.has(t) && moduleOf(t) in RANK).map((t) => `${relative(PROJECT_ROOT, file)} → ${relative(PROJECT_ROOT, t)}`));
  assert.deepEqual(missing, []);
});
