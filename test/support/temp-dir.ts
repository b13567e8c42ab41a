/** Temp folders for tests: each one made here is removed when its test file ends, pass or fail. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

const made: string[] = [];

// Registered when a test file imports this module, so it runs after every test of that file.
after(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Creates `<system temp>/fa-<prefix>-XXXXXX`, removed after the test file. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `fa-${prefix}-`));
  made.push(dir);
  return dir;
}
