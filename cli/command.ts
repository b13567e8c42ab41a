import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AtlasError, parseAtBoundary } from '../common/index.js';
import { formatOptions, optionsSchema, type OptionTable, type OptionValues } from './options.js';

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

/** The command's option nearest to a mistyped one: sharing its start, or containing it (`--scimilarity`). */
function nearestOption(command: Command, typed: string): string | undefined {
  const bare = typed.replace(/^-+/, '').split('=')[0]!.toLowerCase();
  if (bare.length < 2) return undefined;
  const names = Object.keys(command.options);
  return names.find((n) => n.startsWith(bare) || bare.startsWith(n)) ?? names.find((n) => n.includes(bare));
}

/** parseArgs' message in the CLI's words (its own text suggests a `--` positional, which no command takes). */
function describeParseError(command: Command, err: Error & { code?: string }): string {
  const unknown = err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /Unknown option '([^']+)'/.exec(err.message) : null;
  if (!unknown) return err.message;
  const near = nearestOption(command, unknown[1]!);
  return `unknown option ${unknown[1]}${near ? ` (did you mean --${near}?)` : ''}; see fractal-atlas ${command.name} --help`;
}

/** Parses argv for a command, turning parseArgs' TypeErrors into one readable AtlasError. */
export function parseCommandArgs(command: Command, argv: string[]) {
  try {
    return parseArgs({ args: argv, options: { ...command.options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new AtlasError('invalid_argument', `${command.name}: ${describeParseError(command, err as Error)}`);
  }
}

/** What a command declares: its option table drives parsing, typed values, `--help` and error messages. */
export interface CommandSpec<O extends OptionTable> {
  readonly name: string;
  readonly summary: string;
  /** The argument forms after `fractal-atlas <name>`, one per usage line. */
  readonly synopsis: readonly string[];
  /** Lines between the usage and the options. */
  readonly description?: readonly string[];
  readonly options: O;
  /** Lines after the options. */
  readonly notes?: readonly string[];
  /** A hint appended to the "unexpected argument" error for `arg` (undefined: none). */
  readonly unexpectedArgumentHint?: (arg: string) => string | undefined;
  run(values: OptionValues<O>, io: CliIo): Promise<void>;
}

/** Builds a {@link Command} from its spec; no command takes positional arguments. */
export function defineCommand<O extends OptionTable>(spec: CommandSpec<O>): Command {
  const lead = `fractal-atlas ${spec.name}`;
  const usage = [
    ...spec.synopsis.map((s, i) => `${i === 0 ? 'usage: ' : '       '}${lead} ${s}`),
    '',
    ...(spec.description ? [...spec.description, ''] : []),
    ...formatOptions(spec.options),
    ...(spec.notes ? ['', ...spec.notes] : []),
  ].join('\n');
  const options: CommandOptions = Object.fromEntries(Object.entries(spec.options).map(([name, o]) => [name, { type: o.arg === undefined ? 'boolean' : 'string' }]));
  const schema = optionsSchema(spec.options);
  return {
    name: spec.name,
    summary: spec.summary,
    usage,
    options,
    async run(values, positionals, io) {
      if (positionals.length > 0) {
        const hint = spec.unexpectedArgumentHint?.(positionals[0]!);
        throw new AtlasError('invalid_argument', `${spec.name}: unexpected argument ${JSON.stringify(positionals[0])}${hint ? ` (${hint})` : ''}`);
      }
      const { help: _help, ...given } = values;
      const typed = parseAtBoundary(schema, given, 'invalid_argument', (path) => `${spec.name}: --${String(path[0])}`);
      await spec.run(typed as OptionValues<O>, io);
    },
  };
}
