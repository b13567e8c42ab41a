import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findProjectRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'tsconfig.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`fractal-atlas: cannot find the project root above ${start}`);
    dir = parent;
  }
}

/** The project's root folder (where package.json is), found from this compiled file, whatever the outDir. */
export const PROJECT_ROOT: string = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

/** Resolves a path relative to the project root (committed data such as `data/` and `models/`). */
export function projectPath(...parts: string[]): string {
  return resolve(PROJECT_ROOT, ...parts);
}

/** The Cell Ontology release that tests and CI read (never copied into the project). */
export const SHARED_OBO_PATH: string = resolve(PROJECT_ROOT, '..', 'shared', 'data', 'cl-basic.obo');
