import { isAtlasError } from '../common/index.js';
import { parseCommandArgs, type CliIo } from './command.js';
import { COMMANDS } from './commands/index.js';

/** What the system said, for operators: errno failures get their cause and path in words, never a stack. */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'not a folder',
  EISDIR: 'is a folder',
};

/** One line for an unexpected failure (the stack only with FRACTAL_ATLAS_DEBUG=1). */
export function describeFailure(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code && ERRNO_WORDS[code]) {
    const where = e!.path ? ` (${e!.path})` : '';
    const hint = code === 'ENOSPC' || code === 'EDQUOT' ? '; free some space or write elsewhere, nothing partial was kept' : '';
    const doing = { write: 'writing', open: 'opening a file', mkdir: 'creating a folder', rename: 'renaming', read: 'reading', copyfile: 'copying' }[e!.syscall ?? ''] ?? 'working';
    return `${ERRNO_WORDS[code]}${where} while ${doing} [${code}]${hint}`;
  }
  const message = (e?.message ?? String(err)).split('\n')[0];
  return `unexpected error: ${message} (FRACTAL_ATLAS_DEBUG=1 prints the stack)`;
}

function printHelp(out: NodeJS.WritableStream): void {
  out.write('usage: fractal-atlas <command> [options]\n\ncommands:\n');
  for (const c of COMMANDS) out.write(`  ${c.name.padEnd(22)}${c.summary}\n`);
  out.write('\nRun `fractal-atlas <command> --help` for the options of one command.\n');
}

/**
 * Runs the CLI and returns the process exit code. Expected failures print one readable line
 * (`fractal-atlas: <message>`) and return 1; bad usage returns 2. Output goes to `io` (the process streams
 * by default; tests pass buffers and run the CLI in-process).
 */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    printHelp(io.stdout);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`fractal-atlas: unknown command "${name}" (run \`fractal-atlas help\`)\n`);
    return 2;
  }
  try {
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help) {
      io.stdout.write(`${command.usage}\n`);
      return 0;
    }
    await command.run(values, positionals, io);
    return 0;
  } catch (err) {
    if (isAtlasError(err)) {
      io.stderr.write(`fractal-atlas: ${err.message}\n`);
      return err.code === 'invalid_argument' ? 2 : 1;
    }
    io.stderr.write(`fractal-atlas: ${describeFailure(err)}\n`);
    if (process.env.FRACTAL_ATLAS_DEBUG) io.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}
