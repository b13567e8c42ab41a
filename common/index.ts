/** Shared building blocks: the error table and small helpers every module may use. */
export { AtlasError, ERROR_TABLE, isAtlasError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { createProgress } from './progress.js';
export type { Progress } from './progress.js';
