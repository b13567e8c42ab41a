/**
 * The OpenAPI 3.1 document of the HTTP API. Request bodies are the request schemas the server validates
 * with (search/request-schema.ts), responses the schemas of response-schemas.ts, so the document always
 * describes the server that serves it.
 */
import { z } from 'zod';
import type { RequestSchemas } from '../search/index.js';
import { ARROW_STREAM_TYPE } from '../search/index.js';
import { arrowBodyBytes, type ServerLimits } from './limits.js';
import { RESPONSE_SCHEMAS } from './response-schemas.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: Json): Json => ({ 'application/json': { schema } });
const errorResponse = (description: string): Json => ({ description, content: jsonContent(ref('Error')) });
const ok = (description: string, schema: Json = { type: 'object' }): Json => ({ '200': { description, content: jsonContent(schema) } });

/** Every request and response schema as JSON Schema, shared parts (Filter) as `$ref`s. */
function components(schemas: RequestSchemas): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  registry.add(schemas.filter, { id: 'Filter' });
  registry.add(schemas.expression, { id: 'Expression' });
  registry.add(schemas.search, { id: 'SearchRequest' });
  registry.add(schemas.annotate, { id: 'AnnotateRequest' });
  for (const [id, schema] of Object.entries(RESPONSE_SCHEMAS)) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, { io: 'input', uri: (id) => `#/components/schemas/${id}` }).schemas as Record<string, Json>;
  for (const schema of Object.values(out)) {
    delete schema.$schema;
    delete schema.$id;
  }
  return out;
}

/** The Arrow IPC alternative of a request body or answer (not a JSON Schema: described in words). */
function arrowContent(description: string): Json {
  return { [ARROW_STREAM_TYPE]: { schema: { type: 'string', format: 'binary', description } } };
}

/** Builds the document for one index (its request schemas) and set of limits; `inputDim` sizes the Arrow limit. */
export function createOpenApiDocument(schemas: RequestSchemas, limits: ServerLimits, inputDim?: number): Json {
  const arrowBytes = inputDim === undefined ? undefined : arrowBodyBytes(limits, inputDim);
  const arrowRequest = arrowContent(
    `Arrow IPC stream: column embedding fixed_size_list<float32>[input_dim], optional utf8 cell_id (echoed in Arrow answers); the other fields as query parameters (?k=50&weighting=distance&filter={...}). At most ${limits.maxArrowCells} cells${arrowBytes === undefined ? '' : ` and ${arrowBytes} bytes`}.`,
  );
  const secured = { security: [{ bearer: [] }, {}] };
  const readyGuard = { '401': errorResponse('Missing or wrong bearer token (only when the server has an API key)'), '503': errorResponse('Not ready') };
  const bodyErrors = {
    '400': errorResponse('Bad JSON, wrong dimension, NaN/Infinity, unknown level or label, k out of range, or another invalid field'),
    '413': errorResponse(`JSON body over ${limits.maxBodyBytes} bytes or more than ${limits.maxCells} cells (JSON answers too); Arrow body over ${limits.maxArrowCells} cells`),
    '415': errorResponse(`Content-Type is neither application/json nor ${ARROW_STREAM_TYPE}`),
  };
  const post = (summary: string, request: string, response: string, arrowAnswer: string, extra: Json = {}): Json => ({
    post: {
      summary,
      ...secured,
      requestBody: { required: true, content: { ...jsonContent(ref(request)), ...arrowRequest } },
      responses: { '200': { description: summary, content: { ...jsonContent(ref(response)), ...arrowContent(arrowAnswer) } }, ...bodyErrors, ...extra, ...readyGuard },
    },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'fractal-atlas',
      version: '1',
      description:
        'Search and kNN-vote annotation of single-cell embeddings at Cell Ontology levels. ' +
        `Limits: JSON body ≤ ${limits.maxBodyBytes} bytes, ≤ ${limits.maxCells} cells per JSON request, ≤ ${limits.maxArrowCells} cells per Arrow IPC request, search k ≤ ${limits.maxSearchK} and cells × k ≤ ${limits.maxResultHits} (else 413 result_too_large), annotate k ≤ ${limits.maxAnnotateK}.`,
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Only when the server runs with --api-key' } },
      schemas: components(schemas),
    },
    paths: {
      '/healthz': { get: { summary: 'Liveness', responses: ok('Alive') } },
      '/readyz': { get: { summary: 'Readiness: indexes and adapter loaded', responses: { ...ok('Ready'), '503': errorResponse('Not ready') } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'Text exposition format', content: { 'text/plain': {} } } } } },
      '/openapi.json': { get: { summary: 'This document', responses: ok('OpenAPI 3.1') } },
      '/v1/info': { get: { summary: 'What the index serves and how it was built', ...secured, responses: { ...ok('Index description', ref('Info')), ...readyGuard } } },
      '/v1/map': {
        get: {
          summary: 'The reference map: a stratified sample laid out in 2-D at build time (map.bin, format in reference-map/map-file.ts)',
          ...secured,
          responses: {
            '200': { description: 'Binary map file: magic, JSON header with section offsets, xy f32, rows u32, label codes u16, cell ids', content: { 'application/octet-stream': {} } },
            '404': errorResponse('The index was built with --no-map (code map_not_built)'),
            ...readyGuard,
          },
        },
      },
      '/v1/search': post('k nearest reference cells per query, at a level (prefix) of the fractal embedding', 'SearchRequest', 'SearchResponse', 'With Accept: ' + ARROW_STREAM_TYPE + ': one row per query, cell_id (when given) and the hits as lists hit_cell_id, hit_distance, hit_level1_system … hit_level4_subtype, hit_cl_id', { '404': errorResponse('Unknown cell id') }),
      '/v1/annotate': post('kNN-vote labels per level, a hierarchy-consistent call and an out-of-reference flag per cell', 'AnnotateRequest', 'AnnotateResponse', 'With Accept: ' + ARROW_STREAM_TYPE + ': one row per cell, the columns of the annotation table (README: annotate columns)'),
    },
  };
}
