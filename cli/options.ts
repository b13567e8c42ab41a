/**
 * Command options as one table: each entry says how its value reads (a zod schema over what node:util
 * parseArgs returns), its placeholder and its help line. The parseArgs config, the typed values, the
 * `--help` text and the error messages (`build: --connectivity must be an integer in [2, 256], got "x"`)
 * all come from the table, through the same boundary step as HTTP requests.
 */
import { z } from 'zod';

/** One option: its value schema, `--name ARG` placeholder (none for a flag) and help lines. */
export interface OptionSpec<T = unknown> {
  readonly arg?: string;
  readonly help: string | readonly string[];
  readonly schema: z.ZodType<T>;
}

/** What parseArgs gives for an option that takes a value. */
type Raw = string | undefined;

function reading<T>(arg: string, help: string | readonly string[], read: (v: Raw, fail: (message: string) => never) => T): OptionSpec<T> {
  const schema = z
    .string()
    .optional()
    .transform((v, ctx) =>
      read(v, (message) => {
        ctx.issues.push({ code: 'custom', message, input: v });
        return z.NEVER;
      }),
    );
  return { arg, help, schema: schema as unknown as z.ZodType<T> };
}

const quoted = (v: string) => JSON.stringify(v);

/** Reads an integer in [min, max] from option text, or fails with the standard message. */
export function parseIntOption(v: string, min: number, max: number, fail: (m: string) => never): number {
  const n = Number(v);
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) fail(`must be an integer in [${min}, ${max}], got ${quoted(v)}`);
  return n;
}

function parseNumber(v: string, min: number, max: number, fail: (m: string) => never): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) fail(`must be a number in [${min}, ${max}], got ${quoted(v)}`);
  return n;
}

/** Builders of the option table entries. */
export const option = {
  /** A string, absent = undefined; an empty value is refused. */
  text: (arg: string, help: string | readonly string[]) =>
    reading(arg, help, (v, fail) => {
      if (v !== undefined && v.length === 0) fail('must not be empty');
      return v;
    }),
  /** A string that must be given. */
  required: (arg: string, help: string | readonly string[]) =>
    reading(arg, help, (v, fail) => (v === undefined || v.length === 0 ? fail('is required') : v)),
  /** An integer in [min, max]; `fallback` when absent (undefined fallback: required). */
  int: (arg: string, help: string | readonly string[], range: { readonly fallback?: number; readonly min: number; readonly max: number }) =>
    reading(arg, help, (v, fail) => (v === undefined ? (range.fallback ?? fail('is required')) : parseIntOption(v, range.min, range.max, fail))),
  /** An integer in [min, max], undefined when absent. */
  optionalInt: (arg: string, help: string | readonly string[], range: { readonly min: number; readonly max: number }) =>
    reading(arg, help, (v, fail) => (v === undefined ? undefined : parseIntOption(v, range.min, range.max, fail))),
  /** A finite number in [min, max]; `fallback` when absent (undefined fallback: required). */
  number: (arg: string, help: string | readonly string[], range: { readonly fallback?: number; readonly min: number; readonly max: number }) =>
    reading(arg, help, (v, fail) => (v === undefined ? (range.fallback ?? fail('is required')) : parseNumber(v, range.min, range.max, fail))),
  /** A finite number in [min, max], undefined when absent. */
  optionalNumber: (arg: string, help: string | readonly string[], range: { readonly min: number; readonly max: number }) =>
    reading(arg, help, (v, fail) => (v === undefined ? undefined : parseNumber(v, range.min, range.max, fail))),
  /** One of `choices`; `fallback` when absent. */
  choice: <const C extends readonly string[]>(arg: string, help: string | readonly string[], choices: C, fallback: C[number]) =>
    reading(arg, help, (v, fail): C[number] => {
      if (v === undefined) return fallback;
      if (!choices.includes(v)) fail(`must be one of ${choices.join(', ')}, got ${quoted(v)}`);
      return v;
    }),
  /** A boolean flag. */
  flag: (help: string | readonly string[]): OptionSpec<boolean> => ({ help, schema: z.boolean().optional().transform((v) => v === true) as unknown as z.ZodType<boolean> }),
  /** A value read by `read` (undefined when absent); `fail(message)` rejects it. */
  custom: reading,
};

/** A table of options by name (`expansion-add`). */
export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** The typed values of a table. */
export type OptionValues<O extends OptionTable> = { readonly [K in keyof O]: O[K] extends OptionSpec<infer T> ? T : never };

/** The zod object of a table: the boundary schema of a command's options. */
export function optionsSchema(table: OptionTable) {
  return z.object(Object.fromEntries(Object.entries(table).map(([name, o]) => [name, o.schema])));
}

/** `  --name ARG   help`, aligned; continuation lines of the help under the first. */
export function formatOptions(table: OptionTable): string[] {
  const heads = Object.entries(table).map(([name, o]) => `--${name}${o.arg === undefined ? '' : ` ${o.arg}`}`);
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  return Object.values(table).flatMap((o, i) => {
    const lines = typeof o.help === 'string' ? [o.help] : o.help;
    return lines.map((line, j) => `  ${(j === 0 ? heads[i]! : '').padEnd(width)}${line}`);
  });
}
