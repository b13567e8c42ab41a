/**
 * The web page end to end: Debian's Chromium (playwright-core) against a real server on a small real index
 * with a reference map. Skipped, with the reason, where Chromium is missing. With
 * FRACTAL_ATLAS_SCREENSHOTS=1 (`npm run screenshots`) the views are also saved to docs/web-*.png.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import type { Page } from 'playwright-core';
import { projectPath } from '../../common/index.js';
import { LEVEL_COLUMNS } from '../../common/index.js';
import { chromiumMissing, startWebRig, type WebRig } from './web-fixture.js';
import { ANNDATA_SKIP } from '../support/python-packages.js';

// page.evaluate callbacks run in the browser; this file compiles without the DOM library.
declare const document: any;
declare const window: any;
declare const sessionStorage: any;

const SCREENSHOTS = process.env.FRACTAL_ATLAS_SCREENSHOTS === '1';
// Screenshots get a fuller map; the suite keeps to a few seconds of CPU.
const REFERENCE = SCREENSHOTS ? 8000 : 1000;
const MAP_EPOCHS = SCREENSHOTS ? 200 : 30;
const QUERIES = 40;
const missing = chromiumMissing();
if (missing) console.log(`# skipping the web page tests: ${missing}`);

async function shoot(page: Page, view: string): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: projectPath('docs', `web-${view}.png`) });
}

async function openPage(rig: WebRig, url: string): Promise<Page> {
  const page = await rig.browser.newPage();
  page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
  await page.goto(`${url}/`);
  return page;
}

async function waitReady(page: Page): Promise<void> {
  await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
  assert.equal(await page.getAttribute('body', 'data-ready'), 'true', (await page.textContent('#map-message')) ?? undefined);
}

async function tableIds(page: Page): Promise<string[]> {
  return page.locator('#search-table tbody td.cell-id').allTextContents();
}

describe('the web page in Chromium', { skip: missing ?? false }, () => {
  let rig: WebRig;
  let page: Page;
  let work: string;
  const vocab = (c: string) => rig.fixture.manifest.vocabularies[c as (typeof LEVEL_COLUMNS)[number]];

  before(async () => {
    rig = await startWebRig({ referenceCells: REFERENCE, heldOutCells: QUERIES, mapEpochs: MAP_EPOCHS });
    work = await mkdtemp(join(tmpdir(), 'fa-web-'));
  });
  // A fresh tab per test: no test sees another's state.
  beforeEach(async () => {
    page = await openPage(rig, rig.server.url);
    await waitReady(page);
  });
  afterEach(() => page?.close());
  after(async () => {
    await rig?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('draws every map point, coloured, with a legend of the reference counts', async () => {
    assert.equal(await page.getAttribute('#map-canvas', 'data-points-drawn'), String(REFERENCE));
    const coloured = await page.evaluate(() => {
      const c = document.getElementById('map-canvas');
      const px = new Uint32Array(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data.buffer);
      const seen = new Set<number>();
      let painted = 0;
      for (const v of px) if (v !== px[0]) (painted++, seen.add(v));
      return { painted, colours: seen.size };
    });
    // Points are at least 2 × 2 pixels; overlapping ones share pixels.
    assert.ok(coloured.painted >= REFERENCE / 4, `only ${coloured.painted} pixels painted`);
    assert.ok(coloured.colours >= 5, `only ${coloured.colours} colours`);
    const legend = await page.locator('#legend li').count();
    assert.equal(legend, vocab('level3_type').length);
    await shoot(page, 'map');
  });

  it('the wheel zooms about the pointer and a drag pans the map', async () => {
    const box = (await page.locator('#map-canvas').boundingBox())!;
    const at = () => page.evaluate(() => window.fractalAtlas.mapView.screenPositionOf(0) as { x: number; y: number });
    const before = await at();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -600);
    await page.waitForFunction((n) => Number(document.getElementById('map-canvas').dataset.pointsDrawn) < n, REFERENCE);
    const zoomed = await at();
    // Zooming in about the centre moves every point away from it.
    const d = (p: { x: number; y: number }) => Math.hypot(p.x - box.width / 2, p.y - box.height / 2);
    assert.ok(d(zoomed) > d(before), `${d(zoomed)} <= ${d(before)}`);
    await page.mouse.move(box.x + 100, box.y + 100);
    await page.mouse.down();
    await page.mouse.move(box.x + 160, box.y + 140, { steps: 4 });
    await page.mouse.up();
    const panned = await at();
    assert.ok(Math.abs(panned.x - zoomed.x - 60) < 1 && Math.abs(panned.y - zoomed.y - 40) < 1, JSON.stringify({ zoomed, panned }));
  });

  it('a click on a map cell lists its k neighbours with their four labels', async () => {
    await page.click('#tabs button[data-view="search"]');
    await page.fill('#search-k', '7');
    const target = await page.evaluate(() => {
      const app = window.fractalAtlas;
      const p = app.mapView.screenPositionOf(3);
      // Overlapping points: the page picks the nearest to the click, which may be another one.
      return { id: app.map.ids[app.mapView.pointAt(p.x + 0.5, p.y + 0.5)] as string, x: p.x, y: p.y };
    });
    const box = (await page.locator('#map-canvas').boundingBox())!;
    await page.mouse.click(box.x + target.x + 0.5, box.y + target.y + 0.5);
    await page.waitForFunction(() => document.querySelectorAll('#search-table tbody tr').length === 7);
    assert.equal(await page.inputValue('#search-cell'), target.id);
    const rows = page.locator('#search-table tbody tr');
    for (let r = 0; r < 7; r++) {
      const cells = await rows.nth(r).locator('td').allTextContents();
      LEVEL_COLUMNS.forEach((c, l) => assert.ok(vocab(c).includes(cells[3 + l]!), `row ${r}: ${cells[3 + l]} is no ${c} label`));
    }
    assert.equal(await page.getAttribute('#search-table', 'data-level'), 'subtype');
    await shoot(page, 'search');
  });

  it('the level slider searches again at the level it names', async () => {
    await page.click('#tabs button[data-view="search"]');
    await page.fill('#search-k', '7');
    await page.fill('#search-cell', rig.fixture.reference.cellIds[3]!);
    await page.click('#search-form button[type="submit"]');
    await page.waitForSelector('#search-table[data-level="subtype"]');
    const atSubtype = await tableIds(page);
    await page.locator('#search-level').fill('0');
    await page.waitForSelector('#search-table[data-level="system"]');
    assert.match((await page.textContent('#search-status'))!, /level system \(prefix 1,/);
    const atSystem = await tableIds(page);
    assert.equal(atSystem.length, 7);
    assert.notDeepEqual(atSystem, atSubtype);
  });

  it('annotates an uploaded CSV: one call per cell, summary and cells on the map; the download has one row per cell', async () => {
    const { heldOut } = rig.fixture;
    const lines = ['cell_id,' + Array.from({ length: heldOut.dim }, (_, j) => `e${j}`).join(',')];
    for (let i = 0; i < QUERIES; i++) lines.push(`${heldOut.cellIds[i]},${rig.fixture.row(heldOut, i).join(',')}`);
    const csv = join(work, 'query.csv');
    await writeFile(csv, lines.join('\n'));
    await page.click('#tabs button[data-view="annotate"]');
    await page.setInputFiles('#annotate-file', csv);
    await page.click('#annotate-run');
    await page.waitForSelector(`#annotate-table[data-rows="${QUERIES}"]`, { timeout: 60_000 });
    const ids = await page.locator('#annotate-table tbody td.cell-id').allTextContents();
    assert.deepEqual(ids, heldOut.cellIds.slice(0, QUERIES));
    const systems = await page.locator('#annotate-table tbody tr td:nth-child(2) a, #annotate-table tbody tr td:nth-child(2) .unassigned').allTextContents();
    assert.equal(systems.length, QUERIES);
    for (const s of systems) assert.ok(s === 'unassigned' || vocab('level1_system').includes(s), s);
    assert.ok((await page.locator('#annotate-summary .bar-row').count()) > 0);
    assert.ok(await page.evaluate(() => window.fractalAtlas.mapView.queryPoints.length) > 0);
    await shoot(page, 'annotate');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#annotate-download')]);
    const text = await readFile((await download.path())!, 'utf8');
    const rows = text.trim().split('\n');
    assert.equal(rows.length, QUERIES + 1);
    assert.match(rows[0]!, /^cell_id,level1_system,level1_system_confidence,/);
    assert.deepEqual(rows.slice(1).map((r) => r.split(',')[0]), heldOut.cellIds.slice(0, QUERIES));
  });

  it('reads an .h5ad in the browser (h5wasm) with the obsm key the user picks', { skip: anndataMissing() ?? false }, async () => {
    const { heldOut } = rig.fixture;
    const npy = join(work, 'emb.f32');
    await writeFile(npy, heldOut.embeddings.subarray(0, 10 * heldOut.dim));
    const h5ad = join(work, 'query.h5ad');
    execFileSync('/usr/bin/python3', ['-c', H5AD_SCRIPT, npy, String(heldOut.dim), h5ad, ...heldOut.cellIds.slice(0, 10)]);
    await page.click('#tabs button[data-view="annotate"]');
    await page.setInputFiles('#annotate-file', h5ad);
    await page.waitForSelector('#obsm-picker:not([hidden])');
    const keys = await page.locator('#obsm-key option').evaluateAll((os) => os.map((o: any) => o.value));
    assert.deepEqual(keys.sort(), ['X_pca', 'X_scimilarity']);
    assert.equal(await page.inputValue('#obsm-key'), 'X_scimilarity');
    await page.click('#obsm-load');
    await page.click('#annotate-run');
    await page.waitForSelector('#annotate-table[data-rows="10"]', { timeout: 60_000 });
    assert.deepEqual(await page.locator('#annotate-table tbody td.cell-id').allTextContents(), heldOut.cellIds.slice(0, 10));
  });

  it('reads an Arrow IPC file in the browser (apache-arrow), one float column per dimension', async () => {
    const { heldOut } = rig.fixture;
    const columns: Record<string, unknown> = { cell_id: heldOut.cellIds.slice(0, 12) };
    for (let j = 0; j < heldOut.dim; j++) columns[`e${j}`] = Float32Array.from({ length: 12 }, (_, i) => heldOut.embeddings[i * heldOut.dim + j]!);
    const file = join(work, 'query.arrow');
    await writeFile(file, tableToIPC(tableFromArrays(columns as any), 'file'));
    await page.click('#tabs button[data-view="annotate"]');
    await page.setInputFiles('#annotate-file', file);
    await page.waitForSelector('#annotate-run:not([disabled])');
    await page.click('#annotate-run');
    await page.waitForSelector('#annotate-table[data-rows="12"]', { timeout: 60_000 });
    assert.deepEqual(await page.locator('#annotate-table tbody td.cell-id').allTextContents(), heldOut.cellIds.slice(0, 12));
  });

  it('a hierarchy node focuses the map and filters the search', async () => {
    await page.click('#tabs button[data-view="hierarchy"]');
    const node = page.locator('#hierarchy-tree button.node[data-column="level1_system"]').first();
    const label = (await node.textContent())!;
    await node.click();
    await page.waitForSelector('#focus-bar:not([hidden])');
    await shoot(page, 'hierarchy');
    await page.click('#tabs button[data-view="search"]');
    await page.fill('#search-cell', rig.fixture.reference.cellIds[0]!);
    await page.click('#search-form button[type="submit"]');
    await page.waitForFunction((l) => document.querySelector('#search-status')?.textContent?.includes('neighbours') && [...document.querySelectorAll('#search-table tbody tr td:nth-child(4)')].every((td: any) => td.textContent === l), label);
    const systems = await page.locator('#search-table tbody tr td:nth-child(4)').allTextContents();
    assert.ok(systems.length > 0);
    assert.ok(systems.every((s) => s === label), `${systems} outside ${label}`);
    await page.click('#focus-clear');
    await page.waitForSelector('#focus-bar[hidden]', { state: 'attached' });
  });

  it('asks for the API key once and keeps it for the tab', async () => {
    const keyed = await rig.serve({ apiKey: 'web-test-key', withMap: true });
    const p = await openPage(rig, keyed.url);
    await p.waitForSelector('#api-key-dialog[open]');
    await p.fill('#api-key-input', 'wrong');
    await p.click('#api-key-form button[type="submit"]');
    await p.waitForSelector('#api-key-dialog[open]');
    assert.match((await p.textContent('#api-key-error'))!, /refused/);
    await p.fill('#api-key-input', 'web-test-key');
    await p.click('#api-key-form button[type="submit"]');
    await waitReady(p);
    assert.equal(await p.evaluate(() => sessionStorage.getItem('fractal-atlas-api-key')), 'web-test-key');
    await p.reload();
    await waitReady(p);
    assert.equal(await p.locator('#api-key-dialog[open]').count(), 0);
    await p.close();
  });

  it('says so when the index has no map, and search still works', async () => {
    const bare = await rig.serve({ withMap: false });
    const p = await openPage(rig, bare.url);
    await waitReady(p);
    assert.match((await p.textContent('#map-message'))!, /no reference map/);
    await p.click('#tabs button[data-view="search"]');
    await p.fill('#search-cell', rig.fixture.reference.cellIds[0]!);
    await p.click('#search-form button[type="submit"]');
    await p.waitForSelector('#search-table:not([hidden]) tbody tr');
    await p.close();
  });
});

function anndataMissing(): string | null {
  return ANNDATA_SKIP || null;
}

/** argv: embeddings (raw f32), dim, out.h5ad, cell ids… */
const H5AD_SCRIPT = `
import sys, numpy as np, pandas as pd, anndata
emb = np.fromfile(sys.argv[1], dtype=np.float32).reshape(-1, int(sys.argv[2]))
ids = sys.argv[4:]
a = anndata.AnnData(X=np.zeros((len(ids), 2), dtype=np.float32), obs=pd.DataFrame(index=ids))
a.obsm['X_scimilarity'] = emb
a.obsm['X_pca'] = np.zeros((len(ids), 5), dtype=np.float32)
a.write_h5ad(sys.argv[3])
`;
