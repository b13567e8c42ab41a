import { isAtlasError } from '../common/index.js';
import { parseCommandArgs, type CliIo } from './command.js';
import { COMMANDS } from './commands/index.js';

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
    io.stderr.write(`fractal-atlas: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}
