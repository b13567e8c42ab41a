import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IDENTITY_ADAPTER } from '../../adapter/index.js';
import { readReferenceMap } from '../../index-files/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { openAtlasIndex } from '../../search/index.js';
import { SILENT_LOGGER, startServer, type RunningServer } from '../../server/index.js';
import { writeSyntheticAtlas, type SyntheticAtlas } from '../search/fixtures.js';
import { call, errorOf } from './http-client.js';

describe('GET /v1/map and the page at /', () => {
  let atlas: SyntheticAtlas;
  let mapBytes: Uint8Array;
  const servers: RunningServer[] = [];
  const serve = async (o: { apiKey?: string; withMap: boolean }) => {
    const service = await openAtlasIndex(join(atlas.dir, 'idx'), { adapterPath: IDENTITY_ADAPTER, workers: 0 });
    const s = await startServer(service, { port: 0, handleSignals: false, logger: SILENT_LOGGER, apiKey: o.apiKey, referenceMap: o.withMap ? mapBytes : null });
    servers.push(s);
    return s;
  };

  before(async () => {
    atlas = await writeSyntheticAtlas(10, 64);
    const built = await buildAtlasIndex({ referencePath: atlas.path, adapterPath: IDENTITY_ADAPTER, outDir: join(atlas.dir, 'idx'), threads: 1, map: { size: 100, epochs: 20 } });
    mapBytes = (await readReferenceMap(join(atlas.dir, 'idx'), built.manifest))!;
  });
  after(async () => {
    for (const s of servers) await s.close();
    await atlas?.cleanup();
  });

  it('serves map.bin as it is, behind the API key like every /v1 route', async () => {
    const s = await serve({ apiKey: 'k', withMap: true });
    assert.equal(errorOf(await call(s.url, 'GET', '/v1/map')).code, 'unauthorized');
    const res = await fetch(`${s.url}/v1/map`, { headers: { Authorization: 'Bearer k' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/octet-stream');
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(mapBytes), "the bytes of map.bin");
    const post = await call(s.url, 'POST', '/v1/map', { body: {}, headers: { Authorization: 'Bearer k' } });
    assert.equal(post.status, 405);
  });

  it('answers 404 map_not_built for an index without a map', async () => {
    const s = await serve({ withMap: false });
    const r = await call(s.url, 'GET', '/v1/map');
    assert.equal(r.status, 404);
    assert.equal(errorOf(r).code, 'map_not_built');
    assert.match(errorOf(r).message, /--no-map/);
  });

  it('serves the page, its modules and the vendored browser builds without auth, with a same-origin CSP', async () => {
    const s = await serve({ apiKey: 'k', withMap: true });
    const page = await call(s.url, 'GET', '/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type')!, /text\/html/);
    assert.match(page.text, /<script type="module" src="main.js">/);
    assert.match(page.headers.get('content-security-policy')!, /default-src 'self'/);
    for (const path of ['/main.js', '/style.css', '/vendor/h5wasm/hdf5_hl.js', '/vendor/apache-arrow/Arrow.es2015.min.js']) {
      const r = await fetch(s.url + path);
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get('content-type')!, path.endsWith('.css') ? /text\/css/ : /javascript/, path);
      await r.arrayBuffer();
    }
    const missing = await call(s.url, 'GET', '/no-such-file.js');
    assert.equal(errorOf(missing).code, 'not_found');
  });
});
