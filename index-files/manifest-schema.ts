/**
 * The manifest's schema, field by field (zod). `parseManifestFields` checks types and ranges of every field;
 * the cross-field checks (counts, sizes, prefixes) stay in manifest.ts.
 */
import { z } from 'zod';
import { LEVEL_COLUMNS } from '../common/index.js';
import { MAX_VOCABULARY } from './label-store.js';

const count = z.int().min(0);
const positive = z.int().min(1);
/** A plain file name inside the index folder: never a path (a manifest must not point outside its folder). */
const fileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must be a plain file name inside the index folder');
/** xxh64 of the file as 16 lowercase hex digits. */
export const CHECKSUM_PATTERN = /^[0-9a-f]{16}$/;
const checksum = z.string().regex(CHECKSUM_PATTERN, 'must be 16 lowercase hex digits (xxh64)');
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (sha256)');
const level = z.enum(LEVEL_COLUMNS as unknown as [string, ...string[]]);

const dataFile = z.strictObject({ file: fileName, bytes: count, xxh64: checksum });
const mapFile = z.strictObject({ file: fileName, bytes: count, xxh64: checksum, points: positive, seconds: z.number().min(0) });
const indexFile = z.strictObject({ prefix: count, file: fileName, dims: positive, vectors: count, bytes: count, xxh64: checksum });
const perLevel = <T extends z.ZodType>(t: T) => z.strictObject(Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, t])) as Record<string, T>);

const manifestSchema = z.strictObject({
  format: z.literal('fractal-atlas-index'),
  formatVersion: z.int(),
  createdAt: z.string().max(64),
  buildSeconds: z.number().min(0),
  numCells: positive,
  inputDim: positive.max(65_536),
  numScales: positive.max(64),
  scaleDim: positive.max(65_536),
  levelColumns: z.array(level).min(1).max(LEVEL_COLUMNS.length),
  levelPrefix: z.partialRecord(level, positive),
  prefixes: z.array(indexFile).min(1),
  original: indexFile.nullable(),
  metric: z.enum(['ip', 'cos']),
  quantization: z.enum(['f32', 'f16', 'i8']),
  connectivity: z.int().min(2).max(256),
  expansionAdd: z.int().min(1).max(4096),
  expansionSearch: z.int().min(1).max(4096),
  beams: z
    .strictObject({
      recallTarget: z.number().gt(0).max(1),
      queries: z.enum(['reflected', 'held-out']),
      sample: positive,
      entries: z.array(z.strictObject({ prefix: count, k: positive, ef: z.int().min(1).max(4096), recall: z.number().min(0).max(1) })).max(1024),
    })
    .nullable()
    .optional(),
  adapter: z.strictObject({ sha256, identity: z.boolean(), file: z.string().max(4096), metadata: z.record(z.string(), z.unknown()).optional() }),
  atlas: z.strictObject({ sha256, file: z.string().max(4096), bytes: count }),
  vocabularies: perLevel(z.array(z.string()).max(MAX_VOCABULARY)),
  clIdVocabulary: z.array(z.string()).max(MAX_VOCABULARY),
  labelCounts: perLevel(z.array(count)),
  levelTable: z.array(z.tuple([count, count, count, count])),
  // Cosine distances lie in [0, 2].
  outOfReferenceDistance: z.number().min(0).max(2),
  files: z.strictObject({
    labels: dataFile,
    cellIds: dataFile,
    cellIdOffsets: dataFile,
    cellIdHash: dataFile,
    vectors: dataFile,
    originalVectors: dataFile.nullable(),
  }),
  map: mapFile.nullable().optional(),
  // build --encoder: the expression model the embedding space came from (absent or null without one).
  encoder: z
    .strictObject({
      sha256,
      file: z.string().max(4096),
      numGenes: positive,
      latentDim: positive.max(65_536),
      geneOrderSha256: sha256,
      targetSum: z.number().positive(),
      log1p: z.boolean(),
      source: z.record(z.string(), z.unknown()),
    })
    .nullable()
    .optional(),
});

/** Checks every field's type and range; returns the first problem as `field.path: message`, or null. */
export function checkManifestFields(value: unknown): string | null {
  const r = manifestSchema.safeParse(value);
  if (r.success) return null;
  const issue = r.error.issues[0]!;
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return `manifest field ${path || '(root)'}: ${issue.message}`;
}

