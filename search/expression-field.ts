/**
 * The `expression` field of /v1/search and /v1/annotate: gene symbols plus one row of raw counts per cell,
 * dense (`[c0, c1, …]`, one count per gene) or sparse (`{"indices": [...], "values": [...]}`, positions in
 * `genes`). Matched to the served encoder's genes and aligned to CSR rows by one loop (a zod node per count
 * would be millions of nodes), like the embeddings field; the meta is its OpenAPI schema.
 */
import { z } from 'zod';
import { AlignedCountsBuilder, geneReport, matchGenes, requireGeneOverlap, type GeneReport } from '../adapter/index.js';
import { AtlasError, describeValue } from '../common/index.js';
import type { AlignedCounts } from '../adapter/index.js';
import type { ExpressionModel } from './service-types.js';

/** Most gene symbols one request may list (the model has ~28k; an unfiltered 10x matrix ~36k). */
const MAX_REQUEST_GENES = 100_000;
const FIELDS = ['genes', 'counts'];

/** What the request schemas know about expression: the served model (null: none) and the overlap required. */
export interface ExpressionLimits {
  readonly model: ExpressionModel | null;
  readonly minGeneOverlap: number;
  /** The encoder file the index was built with (for the "serve with --encoder" hint), or null. */
  readonly builtWith: string | null;
}

/** A parsed `expression` field. */
export interface ParsedExpression {
  readonly counts: AlignedCounts;
  readonly report: GeneReport;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readGenes(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0) throw new AtlasError('invalid_request', `expression.genes must be a non-empty array of gene symbols, got ${describeValue(v)}`);
  if (v.length > MAX_REQUEST_GENES) throw new AtlasError('invalid_request', `expression.genes lists ${v.length} genes; at most ${MAX_REQUEST_GENES}`);
  v.forEach((g, i) => {
    if (typeof g !== 'string' || g.length === 0) throw new AtlasError('invalid_request', `expression.genes[${i}] must be a non-empty string, got ${describeValue(g)}`);
  });
  return v as string[];
}

/** Parses, matches and aligns the expression field; `insufficient_gene_overlap` below the required overlap. */
export function readExpression(v: unknown, limits: ExpressionLimits, maxCells: number): ParsedExpression {
  if (limits.model === null) {
    const hint = limits.builtWith !== null ? `start serve with --encoder ${limits.builtWith}` : 'build the index with --encoder and serve it with --encoder';
    throw new AtlasError('invalid_request', `this server does not take expression counts; ${hint}`);
  }
  if (!isPlainObject(v)) throw new AtlasError('invalid_request', `expression must be an object {"genes": [...], "counts": [[...]]}, got ${describeValue(v)}`);
  for (const key of Object.keys(v)) {
    if (!FIELDS.includes(key)) throw new AtlasError('invalid_request', `expression has unknown field ${JSON.stringify(key)} (allowed: ${FIELDS.join(', ')})`);
  }
  const genes = readGenes(v.genes);
  const rows = v.counts;
  if (!Array.isArray(rows) || rows.length === 0) throw new AtlasError('invalid_request', 'expression.counts must be a non-empty array with one row per cell');
  if (rows.length > maxCells) throw new AtlasError('batch_too_large', `expression.counts has ${rows.length} cells; at most ${maxCells} cells per request`);
  const match = matchGenes(limits.model.genes, genes, 'invalid_request', 'expression.genes');
  requireGeneOverlap(match, limits.minGeneOverlap);
  const builder = new AlignedCountsBuilder(match, 'invalid_request');
  rows.forEach((row: unknown, i) => {
    const where = `expression.counts[${i}]`;
    if (Array.isArray(row)) return builder.addDense(row, where);
    if (isPlainObject(row) && Array.isArray(row.indices) && Array.isArray(row.values) && Object.keys(row).length === 2) {
      return builder.addSparse(row.indices, row.values, where);
    }
    throw new AtlasError('invalid_request', `${where} must be an array of ${genes.length} counts or {"indices": [...], "values": [...]}, got ${describeValue(row)}`);
  });
  return { counts: builder.finish(), report: geneReport(match) };
}

const countsRow = {
  oneOf: [
    { type: 'array', items: { type: 'number', minimum: 0 }, description: 'one raw count per gene of `genes`' },
    {
      type: 'object',
      additionalProperties: false,
      required: ['indices', 'values'],
      description: 'sparse: positions in `genes` and their counts',
      properties: { indices: { type: 'array', items: { type: 'integer', minimum: 0 } }, values: { type: 'array', items: { type: 'number', minimum: 0 } } },
    },
  ],
};

/** The `expression` request field (the limits are the server's; the transform throws AtlasErrors). */
export function expressionField(limits: ExpressionLimits, maxCells: number) {
  return z
    .unknown()
    .meta({
      type: 'object',
      additionalProperties: false,
      required: ['genes', 'counts'],
      description:
        'Raw counts (not normalised). Genes are matched to the encoder by symbol (exact, else case-insensitive), the others dropped; ' +
        `each cell is normalised to 10,000 counts over the matched genes, log1p-transformed and encoded (serve --encoder). At least ${limits.minGeneOverlap} genes must match.`,
      properties: {
        genes: { type: 'array', minItems: 1, maxItems: MAX_REQUEST_GENES, items: { type: 'string', minLength: 1 } },
        counts: { type: 'array', minItems: 1, maxItems: maxCells, items: countsRow },
      },
    })
    .transform((v) => readExpression(v, limits, maxCells));
}

/** The gene report of expression answers, as a response schema. */
export const GeneMatchResponse = z
  .strictObject({
    matched: z.number().int(),
    model_genes: z.number().int(),
    query_genes: z.number().int(),
    missing_examples: z.array(z.string()),
    unmatched: z.number().int(),
    unmatched_examples: z.array(z.string()),
  })
  .meta({ description: "How the request's genes matched the encoder's (expression queries only)" });
