/** Runs the CLI in this process with captured output: argument checks without spawning node each time. */
import { Writable } from 'node:stream';
import { runCli } from '../../cli/main.js';

/** What a CLI run printed and returned, shaped like spawnSync's answer. */
export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/**
 * `fractal-atlas ...argv` in-process. `env` entries are set for the duration of the run (undefined deletes
 * one) and restored afterwards.
 */
export async function runCliInProcess(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = {}): Promise<CliRun> {
  const saved = Object.keys(env).map((k) => [k, process.env[k]] as const);
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const stdout = collector();
  const stderr = collector();
  try {
    const status = await runCli([...argv], { stdout: stdout.stream, stderr: stderr.stream });
    return { status, stdout: stdout.text(), stderr: stderr.text() };
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
