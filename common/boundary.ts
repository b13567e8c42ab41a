/**
 * The one boundary step: a zod schema turns untrusted input (an HTTP body, CLI options) into a typed value, or
 * into one {@link AtlasError} whose code comes from the schema itself. The same schema is what the OpenAPI
 * document is generated from, so documentation and validation cannot drift apart.
 */
import { z } from 'zod';
import { AtlasError, type ErrorCode } from './errors.js';

/** Error code of a schema's failures: one code, or per zod issue code (`too_big`, …) with a default. */
export type CodeSpec = ErrorCode | { readonly default: ErrorCode } & Partial<Record<z.core.$ZodIssue['code'], ErrorCode>>;

const codes = z.registry<{ code: CodeSpec }>();

/**
 * Marks every failure of `schema` (and of what it contains, unless marked again inside) with `code`. Apply it
 * last: `.optional()` and `.default()` around it are fine, `.meta()` or `.describe()` after it drop the mark.
 */
export function coded<T extends z.ZodType>(schema: T, code: CodeSpec): T {
  codes.add(schema, { code });
  return schema;
}

/** A value as an error message shows it: `the string "x"`, `number 5`, `an array`, `null`. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** zod `error` option whose message is built from the rejected input. */
export function says(message: (input: unknown) => string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => message(issue.input) };
}

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType; valueType?: z.ZodType };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The innermost code marked on the way from `root` along `path`. */
function codeAlong(root: z.ZodType, path: readonly PropertyKey[]): CodeSpec | undefined {
  let code: CodeSpec | undefined;
  let node: z.ZodType | undefined = root;
  const visit = () => {
    for (let guard = 0; node !== undefined && guard < 32; guard++) {
      code = codes.get(node)?.code ?? code;
      const def = defOf(node);
      if (def.innerType) node = def.innerType;
      else if (def.type === 'pipe' && def.in) node = def.in;
      else return;
    }
  };
  visit();
  for (const key of path) {
    if (node === undefined) break;
    const def = defOf(node);
    node = def.type === 'object' ? def.shape?.[String(key)] : def.type === 'array' ? def.element : def.type === 'record' ? def.valueType : undefined;
    visit();
  }
  return code;
}

/** `embeddings[0][2]`, `filter.include.type`; the empty path is the request body itself. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out === '' ? String(key) : `.${String(key)}`;
  return out === '' ? 'request body' : out;
}

/**
 * Parses `input` with `schema`. The first problem (an unknown field before all others) becomes an AtlasError: its code is the one marked with
 * {@link coded} nearest to the bad value (or a custom issue's `params.code`), else `fallback`; its message is
 * the path of the bad value and the issue's message (`k must be an integer in 1..1000, got number 0`).
 * AtlasErrors thrown by the schema's transforms pass through as they are. `subject` names the bad value
 * (default: its JSON path; the CLI names options `--name`).
 */
export function parseAtBoundary<T extends z.ZodType>(schema: T, input: unknown, fallback: ErrorCode, subject: (path: readonly PropertyKey[]) => string = formatPath): z.output<T> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  // An unknown field usually explains a missing one (a typo), so it is reported first.
  const issues = result.error.issues;
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  const custom = (issue as { params?: { code?: ErrorCode } }).params?.code;
  const spec = custom ?? codeAlong(schema, issue.path);
  const code = spec === undefined ? fallback : typeof spec === 'string' ? spec : spec[issue.code] ?? spec.default;
  throw new AtlasError(code, `${subject(issue.path)} ${issue.message}`);
}
