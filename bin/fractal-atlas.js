#!/usr/bin/env node
// Thin launcher: the CLI is TypeScript compiled to dist/ by `npm install` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const entry = fileURLToPath(new URL('../dist/cli/run.js', import.meta.url));
if (!existsSync(entry)) {
  process.stderr.write('fractal-atlas: not built yet; run `npm install` or `npm run build` in the project first\n');
  process.exit(1);
}
await import(pathToFileURL(entry).href);
