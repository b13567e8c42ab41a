/**
 * Temp files and folders that must not outlive the process: removed synchronously on process exit
 * (including `process.exit()` from a signal handler) unless released first.
 */
import { rmSync } from 'node:fs';

const live = new Set<string>();
let hooked = false;

/** Registers a temp path for removal at exit. */
export function trackTemp(path: string): void {
  live.add(path);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const p of live) rmSync(p, { recursive: true, force: true });
    });
  }
}

/** Forgets a temp path (renamed into place or already removed). */
export function untrackTemp(path: string): void {
  live.delete(path);
}

/**
 * Makes SIGINT/SIGTERM exit through `process.exit` (so exit hooks remove temp files) with the usual
 * 128 + signal status. For CLI commands that write files.
 */
export function exitCleanlyOnSignals(): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nfractal-atlas: interrupted (${signal}); partial output removed\n`);
      process.exit(code);
    });
  }
}
