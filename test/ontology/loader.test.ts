import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SHARED_OBO_PATH, isAtlasError } from '../../common/index.js';
import { DEFAULT_OBO_URL, defaultCacheDir, loadOntology } from '../../ontology/index.js';
import { OBO_SKIP } from '../support/shared-obo.js';

const SMALL_OBO = '[Term]\nid: CL:0000000\nname: cell\n\n[Term]\nid: CL:0000057\nname: fibroblast\nis_a: CL:0000000 ! cell\n';
const tmp = mkdtempSync(join(tmpdir(), 'fractal-atlas-loader-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A local HTTP server: /cl.obo serves an OBO, /missing.obo is a 404, /page.obo an HTML page. */
async function serve(): Promise<{ server: Server; base: string; hits: Map<string, number> }> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    hits.set(req.url ?? '', (hits.get(req.url ?? '') ?? 0) + 1);
    if (req.url === '/cl.obo') res.end(SMALL_OBO);
    else if (req.url === '/page.obo') res.end('<html><body>Moved</body></html>');
    else {
      res.statusCode = 404;
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

test('loads a local OBO file into a graph', { skip: OBO_SKIP }, async () => {
  const { graph, document, path } = await loadOntology(SHARED_OBO_PATH);
  assert.equal(path, SHARED_OBO_PATH);
  assert.equal(document.terms.length, 2804);
  assert.equal(graph.getNodeAttribute('CL:0000057', 'name'), 'fibroblast');
});

test('a missing local file is file_not_found', async () => {
  await assert.rejects(loadOntology(join(tmp, 'nope.obo')), (e) => isAtlasError(e, 'file_not_found') && e.message.includes('nope.obo'));
});

test('a URL is downloaded once into the cache, then read from it', async () => {
  const { server, base, hits } = await serve();
  try {
    const cacheDir = join(tmp, 'cache1');
    const first = await loadOntology(`${base}/cl.obo`, { cacheDir });
    assert.equal(first.graph.getNodeAttribute('CL:0000057', 'name'), 'fibroblast');
    assert.ok(first.path.startsWith(cacheDir));
    const second = await loadOntology(`${base}/cl.obo`, { cacheDir });
    assert.equal(second.path, first.path);
    assert.equal(second.graph.order, 2);
    assert.equal(hits.get('/cl.obo'), 1, 'the second load must not hit the network');
    assert.equal(readdirSync(cacheDir).length, 1, 'no partial files are left behind');
  } finally {
    server.close();
    server.closeAllConnections();
  }
});

test('HTTP errors and non-OBO downloads fail clearly and are not cached', async () => {
  const { server, base } = await serve();
  try {
    const cacheDir = join(tmp, 'cache2');
    await assert.rejects(loadOntology(`${base}/missing.obo`, { cacheDir }), (e) => isAtlasError(e, 'download_failed') && /HTTP 404/.test(e.message));
    await assert.rejects(loadOntology(`${base}/page.obo`, { cacheDir }), (e) => isAtlasError(e, 'invalid_obo'));
    let cached: string[] = [];
    try {
      cached = readdirSync(cacheDir);
    } catch {
      cached = [];
    }
    assert.deepEqual(cached, []);
  } finally {
    server.close();
    server.closeAllConnections();
  }
});

test('an unreachable URL is download_failed', async () => {
  const { server, base } = await serve();
  await new Promise<void>((r) => server.close(() => r()));
  await assert.rejects(loadOntology(`${base}/cl.obo`, { cacheDir: join(tmp, 'cache3') }), (e) => isAtlasError(e, 'download_failed') && e.message.includes(base));
});

test('default source and cache folder', () => {
  assert.equal(DEFAULT_OBO_URL, 'http://purl.obolibrary.org/obo/cl/cl-basic.obo');
  const saved = process.env.XDG_CACHE_HOME;
  try {
    process.env.XDG_CACHE_HOME = '/some/cache';
    assert.equal(defaultCacheDir(), '/some/cache/fractal-atlas');
  } finally {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
  }
});
