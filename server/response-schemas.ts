/**
 * The response bodies of the API as zod schemas: the OpenAPI document is generated from them, and the server
 * tests parse real responses with them, so the document cannot drift from what the service returns.
 */
import { z } from 'zod';
import { LEVEL_COLUMNS, shortLevelName, type LevelColumn } from '../common/index.js';
import { ANNOTATE_PLANS, GeneMatchResponse } from '../search/index.js';

const counts = z.record(z.string(), z.number());
const perLevel = <T extends z.ZodType>(schema: T) => z.partialRecord(z.enum(LEVEL_COLUMNS as unknown as [LevelColumn, ...LevelColumn[]]), schema);
const timings = z.record(z.string(), z.number()).meta({ description: 'Per-phase worker time summed over chunks (ms), and the wall time totalMs' });

/** `{"error": {"code", "message", "details"?}}`, every 4xx/5xx. */
export const ErrorBody = z.strictObject({ error: z.strictObject({ code: z.string(), message: z.string(), details: z.unknown().optional() }) });

export const SearchHit = z.strictObject({
  cell_id: z.string(),
  distance: z.number().meta({ description: 'Cosine distance (1 − cos) in the searched prefix space' }),
  ...Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, z.string().meta({ description: `${shortLevelName(c)} label` })])),
  cl_id: z.string().nullable(),
});

export const SearchResponse = z.strictObject({
  level: z.enum(LEVEL_COLUMNS as unknown as [LevelColumn, ...LevelColumn[]]).nullable().meta({ description: 'Level searched; null when the query gave a prefix or original' }),
  prefix: z.number().int().meta({ description: 'Prefix searched; 0 for the original-embedding index' }),
  dims: z.number().int(),
  k: z.number().int(),
  results: z.array(z.strictObject({ hits: z.array(SearchHit), summary: perLevel(counts).optional() })).meta({ description: 'One per query (one with centroid)' }),
  timings,
  gene_match: GeneMatchResponse.optional(),
});

export const LevelVote = z.strictObject({
  label: z.string(),
  confidence: z.number(),
  hits: counts,
  hits_weighted: counts,
  vs2nd: z.number(),
  vsAll: z.number(),
  vs2nd_weighted: z.number(),
  vsAll_weighted: z.number(),
  min_dist: z.number().nullable(),
  max_dist: z.number().nullable(),
  prefix: z.number().int(),
});

export const AnnotateResponse = z.strictObject({
  levels: z.array(z.string()),
  k: z.number().int(),
  weighting: z.string(),
  minConfidence: z.number(),
  outOfReferenceDistance: z.number(),
  plan: z.enum(ANNOTATE_PLANS),
  cells: z.array(
    z.strictObject({
      levels: perLevel(LevelVote),
      consistent: perLevel(z.strictObject({ label: z.string(), confidence: z.number() })),
      nearest_distance: z.number().nullable(),
      out_of_reference: z.boolean(),
    }),
  ),
  timings,
  gene_match: GeneMatchResponse.optional(),
});

export const InfoResponse = z
  .object({
    format_version: z.number().int(),
    num_cells: z.number().int(),
    input_dim: z.number().int(),
    num_scales: z.number().int(),
    scale_dim: z.number().int(),
    levels: z.array(z.strictObject({ column: z.string(), name: z.string(), prefix: z.number().int(), dims: z.number().int() })),
    prefixes: z.array(z.strictObject({ prefix: z.number().int(), dims: z.number().int(), vectors: z.number().int() })),
    original: z.strictObject({ dims: z.number().int(), vectors: z.number().int() }).nullable(),
    vocabularies: perLevel(z.array(z.string())),
    label_counts: perLevel(counts),
    out_of_reference_distance: z.number(),
    adapter: z.record(z.string(), z.unknown()),
    encoder: z.record(z.string(), z.unknown()).nullable().optional().meta({ description: 'Expression encoder of the build (sha256, genes, latent dim) and whether it is loaded' }),
    build: z.record(z.string(), z.unknown()),
    workers: z.number().int(),
    threads_per_worker: z.number().int(),
  })
  .meta({ description: 'Levels, prefix dims, cell counts, vocabularies, adapter and build metadata' });

/** The response components of the OpenAPI document, by name. */
export const RESPONSE_SCHEMAS = { Error: ErrorBody, SearchHit, SearchResponse, LevelVote, AnnotateResponse, Info: InfoResponse };
