/**
 * The OpenAPI document against the server it describes: request bodies are the validating schemas, and real
 * responses of a real (small) index parse with the documented response schemas.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { join } from 'node:path';
import { buildAtlasIndex } from '../../index-build/index.js';
import { openAtlasIndex, type AtlasIndexService } from '../../search/index.js';
import { RESPONSE_SCHEMAS, SILENT_LOGGER, startServer, type RunningServer } from '../../server/index.js';
import { DIM, createFakeAdapter, writeFakeAdapterFile, writeSyntheticAtlas, type SyntheticAtlas } from '../search/fixtures.js';
import { call } from './http-client.js';

let atlas: SyntheticAtlas;
let svc: AtlasIndexService;
let server: RunningServer;
let doc: any;

before(async () => {
  atlas = await writeSyntheticAtlas(8, 64);
  const adapter = createFakeAdapter();
  const adapterPath = await writeFakeAdapterFile(atlas.dir);
  const out = join(atlas.dir, 'idx');
  await buildAtlasIndex({ referencePath: atlas.path, adapterPath, outDir: out, threads: 1 }, { adapter });
  svc = await openAtlasIndex(out, { adapterPath, workers: 0 }, { adapter });
  server = await startServer(svc, { port: 0, handleSignals: false, logger: SILENT_LOGGER, limits: { maxCells: 20 } });
  doc = (await call(server.url, 'GET', '/openapi.json')).body;
});

after(async () => {
  await server?.close();
  await svc?.close();
  await atlas?.cleanup();
});

const row = (i: number) => Array.from(atlas.embeddings.slice(i * DIM, (i + 1) * DIM));

test('request bodies come from the request schemas: manifest levels and dims, limits, shared Filter', () => {
  assert.equal(doc.openapi, '3.1.0');
  const search = doc.components.schemas.SearchRequest;
  assert.equal(search.additionalProperties, false);
  assert.deepEqual(search.properties.level.enum, ['system', 'lineage', 'type', 'subtype', 'level1_system', 'level2_lineage', 'level3_type', 'level4_subtype']);
  assert.deepEqual([search.properties.prefix.minimum, search.properties.prefix.maximum], [1, 4]);
  assert.deepEqual([search.properties.embeddings.maxItems, search.properties.embeddings.items.minItems], [20, DIM]);
  assert.equal(search.properties.k.default, 10);
  assert.equal(doc.components.schemas.AnnotateRequest.required, undefined); // embeddings or expression
  assert.deepEqual(doc.components.schemas.AnnotateRequest.properties.expression, { $ref: '#/components/schemas/Expression' });
  assert.deepEqual(doc.components.schemas.Expression.required, ['genes', 'counts']);
  assert.deepEqual(doc.components.schemas.AnnotateRequest.properties.weighting.enum, ['uniform', 'distance']);
  assert.deepEqual(search.properties.filter, { $ref: '#/components/schemas/Filter' });
  const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
  for (const ref of refs) {
    const name = /#\/components\/schemas\/(\w+)/.exec(ref)?.[1];
    assert.ok(name && doc.components.schemas[name], ref);
  }
});

test('real responses parse with the documented response schemas', async () => {
  const info = await call(server.url, 'GET', '/v1/info');
  RESPONSE_SCHEMAS.Info.parse(info.body);
  const search = await call(server.url, 'POST', '/v1/search', { body: { embeddings: [row(0), row(9)], level: 'lineage', k: 3, summary: true } });
  assert.equal(search.status, 200, search.text);
  RESPONSE_SCHEMAS.SearchResponse.parse(search.body);
  assert.equal(search.body.results[0].hits.length, 3);
  const annotate = await call(server.url, 'POST', '/v1/annotate', { body: { embeddings: [row(3)], k: 5, filter: { exclude: { system: ['Epithelial'] } } } });
  assert.equal(annotate.status, 200, annotate.text);
  RESPONSE_SCHEMAS.AnnotateResponse.parse(annotate.body);
  const error = await call(server.url, 'POST', '/v1/search', { body: { embeddings: [row(0)], k: 0 } });
  assert.equal(error.status, 400);
  RESPONSE_SCHEMAS.Error.parse(error.body);
});
