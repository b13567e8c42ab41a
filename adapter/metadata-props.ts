/**
 * Typed reads of an ONNX file's `metadata_props`, shared by the adapter and the encoder contracts: every
 * problem is one `invalid_model` error that names the file and what kind of model it failed to be.
 */
import { AtlasError } from '../common/index.js';

/** Reads one file's metadata_props; see {@link readMetadataProps}. */
export interface MetadataProps {
  /** The error for a file that breaks its contract (`why` in parentheses). */
  fail(why: string): AtlasError;
  /** Checks the contract-version key: present and equal to `version`. */
  requireVersion(key: string, version: string, what: string): void;
  positiveInt(key: string): number;
  json(key: string): unknown;
  /** The JSON value of an optional key (undefined when absent). */
  optionalJson(key: string): unknown;
}

/** Whether `v` is a plain JSON object (not null, not an array). */
export const isJsonObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The error for the file `source` that is not the `kind` of model it should be ("a fractal adapter model"). */
export function modelError(source: string, kind: string, why: string): AtlasError {
  return new AtlasError('invalid_model', `${source}: not ${kind} (${why})`);
}

/** A reader over `props` of the file `source`, which should be a `kind` of model (see {@link modelError}). */
export function readMetadataProps(props: ReadonlyMap<string, string>, source: string, kind: string): MetadataProps {
  const fail = (why: string) => modelError(source, kind, why);
  const required = (key: string): string => {
    const v = props.get(key);
    if (v === undefined) throw fail(`metadata ${key} is missing`);
    return v;
  };
  const parse = (key: string, v: string): unknown => {
    try {
      return JSON.parse(v);
    } catch {
      throw fail(`metadata ${key} is not valid JSON`);
    }
  };
  return {
    fail,
    requireVersion(key, version, what) {
      const v = required(key);
      if (v !== version) throw fail(`${what} ${v}, this build reads ${version}`);
    },
    positiveInt(key) {
      const v = required(key);
      if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) throw fail(`metadata ${key} is ${JSON.stringify(v)}, not a positive integer`);
      return Number(v);
    },
    json: (key) => parse(key, required(key)),
    optionalJson(key) {
      const v = props.get(key);
      return v === undefined ? undefined : parse(key, v);
    },
  };
}
