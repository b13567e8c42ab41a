import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AtlasError } from '../common/index.js';

/** Option table of one command, in node:util parseArgs form. */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** Where a command writes: the process streams when run as `fractal-atlas`, buffers when tests call runCli. */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/** One `fractal-atlas <name>` sub-command. */
export interface Command {
  readonly name: string;
  /** One line for `fractal-atlas help`. */
  readonly summary: string;
  /** Usage text shown by `fractal-atlas <name> --help`. */
  readonly usage: string;
  readonly options: CommandOptions;
  /** Runs the command with parsed values, printing to `io`; throws AtlasError on expected failures. */
  run(values: Record<string, string | boolean | string[] | boolean[] | undefined>, positionals: string[], io: CliIo): Promise<void>;
}

/** Parses argv for a command, turning parseArgs' TypeErrors into one readable AtlasError. */
export function parseCommandArgs(command: Command, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new AtlasError('invalid_argument', `${command.name}: ${(err as Error).message}`);
  }
}

/** Reads a required string option or throws a readable error. */
export function requireString(values: Record<string, unknown>, name: string, command: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.length === 0) throw new AtlasError('invalid_argument', `${command}: --${name} is required`);
  return v;
}

/** Reads an optional integer option within [min, max]. */
export function readInt(values: Record<string, unknown>, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new AtlasError('invalid_argument', `--${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return n;
}

/** Reads an optional finite number option within [min, max]. */
export function readNumber(values: Record<string, unknown>, name: string, fallback: number, min = -Infinity, max = Infinity): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || v.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
    throw new AtlasError('invalid_argument', `--${name} must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return n;
}
