/** Shared building blocks: the error table, project paths and progress bars. */
export { AtlasError, ERROR_TABLE, isAtlasError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { createProgress } from './progress.js';
export type { Progress, ProgressOptions } from './progress.js';
export { PROJECT_ROOT, SHARED_OBO_PATH, projectPath } from './paths.js';
export { readFully, readFullyAsync, sha256File, writeFully } from './file-io.js';
export { checkRows, firstNonFinite } from './vectors.js';
export { coded, describeValue, parseAtBoundary, says } from './boundary.js';
export type { CodeSpec } from './boundary.js';
export { LEVEL_COLUMNS, isLevelColumn, shortLevelName } from './levels.js';
export type { LevelColumn } from './levels.js';
export { MAX_MESSAGE_CHARS, clipText, quoteInput } from './text.js';
export { createRng } from './prng.js';
export type { Rng } from './prng.js';
