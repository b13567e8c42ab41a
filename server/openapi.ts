/**
 * The OpenAPI 3.1 document of the HTTP API, generated from the index manifest (levels, dims) and the limits,
 * so that it always describes the server that serves it.
 */
import type { IndexManifest } from '../index-files/index.js';
import { LEVEL_COLUMNS, shortLevelName } from '../ontology/index.js';
import { DEFAULT_ANNOTATE_K, DEFAULT_SEARCH_K, type ServerLimits } from './limits.js';
import { expressionSchema } from './expression-request.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: Json): Json => ({ 'application/json': { schema } });
const errorResponse = (description: string): Json => ({ description, content: jsonContent(ref('Error')) });

const labelColumns = (): Json =>
  Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, { type: 'string', description: `${shortLevelName(c)} label` }]));

/** Builds the document for one index and set of limits. */
export function createOpenApiDocument(manifest: IndexManifest, limits: ServerLimits): Json {
  const dim = manifest.inputDim;
  const levels = manifest.levelColumns.map(shortLevelName);
  const S = manifest.prefixes.length;
  const filterLevels = LEVEL_COLUMNS.map(shortLevelName);
  const embeddings: Json = {
    type: 'array',
    minItems: 1,
    maxItems: limits.maxCells,
    description: `Query cells, one row of ${dim} finite numbers each (the model space the adapter takes).`,
    items: { type: 'array', minItems: dim, maxItems: dim, items: { type: 'number' } },
  };
  const labelMap: Json = {
    type: 'object',
    description: 'Level (short name or column) → labels from that level\'s vocabulary (GET /v1/info).',
    propertyNames: { enum: [...filterLevels, ...LEVEL_COLUMNS] },
    additionalProperties: { type: 'array', minItems: 1, maxItems: limits.maxFilterLabels, items: { type: 'string' } },
  };
  const counts = { type: 'object', additionalProperties: { type: 'number' } };
  const levelMapOf = (schema: Json): Json => ({ type: 'object', properties: Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, schema])) });
  const readyGuard = { '401': errorResponse('Missing or wrong bearer token (only when the server has an API key)'), '503': errorResponse('Not ready') };
  const bodyErrors = {
    '400': errorResponse('Bad JSON, wrong dimension, NaN/Infinity, unknown level or label, k out of range, or another invalid field'),
    '413': errorResponse(`Body over ${limits.maxBodyBytes} bytes or more than ${limits.maxCells} cells`),
    '415': errorResponse('Content-Type is not application/json'),
  };

  return {
    openapi: '3.1.0',
    info: {
      title: 'fractal-atlas',
      version: '1',
      description:
        'Search and kNN-vote annotation of single-cell embeddings at Cell Ontology levels. ' +
        `Limits: body ≤ ${limits.maxBodyBytes} bytes, ≤ ${limits.maxCells} cells per request, search k ≤ ${limits.maxSearchK}, annotate k ≤ ${limits.maxAnnotateK}.`,
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Only when the server runs with --api-key' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
        Expression: expressionSchema(limits.maxCells),
        Filter: {
          type: 'object',
          additionalProperties: false,
          description: 'include: a hit has one of the labels at every level given; exclude: none of them. Applied inside the search.',
          properties: { include: labelMap, exclude: labelMap },
        },
        SearchRequest: {
          type: 'object',
          additionalProperties: false,
          description: 'Exactly one of embeddings, expression and cell_ids; at most one of level, prefix and original (default: the finest prefix).',
          properties: {
            embeddings,
            expression: ref('Expression'),
            cell_ids: { type: 'array', minItems: 1, maxItems: limits.maxCells, items: { type: 'string', minLength: 1 } },
            level: { type: 'string', enum: levels, description: 'Level the adapter was trained on; searches the prefix that serves it' },
            prefix: { type: 'integer', minimum: 1, maximum: S },
            original: { type: 'boolean', description: 'Search the index over the original embeddings (built with --with-original)' },
            k: { type: 'integer', minimum: 1, maximum: limits.maxSearchK, default: DEFAULT_SEARCH_K },
            filter: ref('Filter'),
            max_dist: { type: 'number', minimum: 0, maximum: 2, description: 'Drop hits farther than this cosine distance' },
            centroid: { type: 'boolean', default: false, description: 'Search once with the normalised mean of the queries' },
            summary: { type: 'boolean', default: false, description: 'Add hit counts per label at every level' },
          },
        },
        SearchHit: {
          type: 'object',
          properties: { cell_id: { type: 'string' }, distance: { type: 'number' }, ...labelColumns(), cl_id: { type: ['string', 'null'] } },
        },
        SearchResponse: {
          type: 'object',
          properties: {
            level: { type: ['string', 'null'], enum: [...manifest.levelColumns, null] },
            prefix: { type: 'integer' },
            dims: { type: 'integer' },
            k: { type: 'integer' },
            results: {
              type: 'array',
              description: 'One per query (one with centroid)',
              items: {
                type: 'object',
                properties: { hits: { type: 'array', items: ref('SearchHit') }, summary: levelMapOf(counts) },
              },
            },
            timings: { type: 'object', properties: { encoderMs: { type: 'number' }, adapterMs: { type: 'number' }, searchMs: { type: 'number' }, totalMs: { type: 'number' } } },
          },
        },
        AnnotateRequest: {
          type: 'object',
          additionalProperties: false,
          description: 'Exactly one of embeddings and expression.',
          properties: {
            embeddings,
            expression: ref('Expression'),
            k: { type: 'integer', minimum: 1, maximum: limits.maxAnnotateK, default: DEFAULT_ANNOTATE_K },
            weighting: { type: 'string', enum: ['uniform', 'distance'], default: 'uniform' },
            min_confidence: { type: 'number', minimum: 0, maximum: 1, default: 0, description: 'Levels below it are "unassigned"' },
            out_of_reference_distance: { type: 'number', minimum: 0, maximum: 2, description: 'Override of the build-time threshold' },
            filter: ref('Filter'),
          },
        },
        LevelVote: {
          type: 'object',
          properties: {
            label: { type: 'string' },
            confidence: { type: 'number' },
            hits: counts,
            hits_weighted: counts,
            vs2nd: { type: 'number' },
            vsAll: { type: 'number' },
            vs2nd_weighted: { type: 'number' },
            vsAll_weighted: { type: 'number' },
            min_dist: { type: 'number' },
            max_dist: { type: 'number' },
            prefix: { type: 'integer' },
          },
        },
        AnnotateResponse: {
          type: 'object',
          properties: {
            levels: { type: 'array', items: { type: 'string' } },
            k: { type: 'integer' },
            weighting: { type: 'string' },
            minConfidence: { type: 'number' },
            outOfReferenceDistance: { type: 'number' },
            cells: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  levels: levelMapOf(ref('LevelVote')),
                  consistent: levelMapOf({ type: 'object', properties: { label: { type: 'string' }, confidence: { type: 'number' } } }),
                  nearest_distance: { type: 'number' },
                  out_of_reference: { type: 'boolean' },
                },
              },
            },
            timings: { type: 'object', additionalProperties: { type: 'number' } },
          },
        },
        Info: { type: 'object', description: 'Levels, prefix dims, cell counts, vocabularies, adapter and build metadata' },
      },
    },
    paths: {
      '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'Alive', content: jsonContent({ type: 'object' }) } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: indexes and adapter loaded',
          responses: { '200': { description: 'Ready', content: jsonContent({ type: 'object' }) }, '503': errorResponse('Not ready') },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Text exposition format', content: { 'text/plain': {} } } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1', content: jsonContent({ type: 'object' }) } } } },
      '/v1/info': {
        get: {
          summary: 'What the index serves and how it was built',
          security: [{ bearer: [] }, {}],
          responses: { '200': { description: 'Index description', content: jsonContent(ref('Info')) }, ...readyGuard },
        },
      },
      '/v1/search': {
        post: {
          summary: 'k nearest reference cells per query, at a level (prefix) of the fractal embedding',
          security: [{ bearer: [] }, {}],
          requestBody: { required: true, content: jsonContent(ref('SearchRequest')) },
          responses: {
            '200': { description: 'Hits per query', content: jsonContent(ref('SearchResponse')) },
            ...bodyErrors,
            '404': errorResponse('Unknown cell id'),
            ...readyGuard,
          },
        },
      },
      '/v1/annotate': {
        post: {
          summary: 'kNN-vote labels per level, a hierarchy-consistent call and an out-of-reference flag per cell',
          security: [{ bearer: [] }, {}],
          requestBody: { required: true, content: jsonContent(ref('AnnotateRequest')) },
          responses: { '200': { description: 'One annotation per cell', content: jsonContent(ref('AnnotateResponse')) }, ...bodyErrors, ...readyGuard },
        },
      },
    },
  };
}
