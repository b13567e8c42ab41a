/**
 * The documented limits of the HTTP API. One place: the request schemas, the OpenAPI document and the README
 * read these values, so they never drift apart.
 */
import type { RequestLimits } from '../search/index.js';

/** The request limits plus the body size. */
export interface ServerLimits extends RequestLimits {
  /** Largest accepted request body, in bytes (JSON text as sent). */
  readonly maxBodyBytes: number;
}

/**
 * Defaults: 64 MiB holds 10,000 cells of 128 floats written with full precision (≈ 25 MB) and leaves room for
 * wider inputs (10,000 × 768 at ~8 characters per float ≈ 62 MB).
 */
export const DEFAULT_LIMITS: ServerLimits = Object.freeze({
  maxBodyBytes: 64 * 1024 * 1024,
  maxCells: 10_000,
  maxSearchK: 1_000,
  maxAnnotateK: 200,
  maxFilterLabels: 10_000,
});

/** Merges user overrides over {@link DEFAULT_LIMITS}. */
export function resolveLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  const merged = { ...DEFAULT_LIMITS, ...overrides };
  for (const [k, v] of Object.entries(merged)) {
    if (!Number.isSafeInteger(v) || v < 1) throw new TypeError(`server limit ${k} must be a positive integer, got ${v}`);
  }
  return Object.freeze(merged);
}
