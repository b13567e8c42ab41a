/**
 * Temp folders for tests: each one made here is removed when its test file ends, pass or fail. Test files
 * that load ONNX models import this module too, for the second clean-up below.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

const made: string[] = [];

/**
 * Files that onnxruntime-node's bundled telemetry library writes into the temp dir of every process that
 * creates a session: an empty `mat-debug-<pid>.log` and a `.ses` session file. Nothing reads them back.
 */
export function removeOnnxRuntimeDebris(pid: number = process.pid): void {
  for (const name of [`mat-debug-${pid}.log`, '.ses']) rmSync(join(tmpdir(), name), { force: true });
}

// Registered when a test file imports this module, so it runs after every test of that file.
after(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  removeOnnxRuntimeDebris();
});

/** Creates `<system temp>/fa-<prefix>-XXXXXX`, removed after the test file. */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `fa-${prefix}-`));
  made.push(dir);
  return dir;
}
