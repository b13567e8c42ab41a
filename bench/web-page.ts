/**
 * The web page's two felt speeds, in Debian's Chromium against the demo index (`npm start`'s cache):
 * time to first paint of the reference map, and seconds from pressing Annotate on a CSV of held-out demo
 * cells until the calls table shows.
 *
 *   node dist/bench/web-page.js [--index data/generated/demo-index] [--cells 10000] [--runs 2]
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { projectPath } from '../common/index.js';
import { createDemoGenerator, createDemoModel, loadCellTypeTable } from '../atlas/index.js';
import { readReferenceMap } from '../index-files/index.js';
import { openAtlasIndex } from '../search/index.js';
import { SILENT_LOGGER, startServer } from '../server/index.js';
import { DEMO } from '../cli/commands/start.js';

const { values } = parseArgs({
  options: {
    index: { type: 'string', default: projectPath(DEMO.cacheDir, DEMO.indexDir) },
    adapter: { type: 'string', default: projectPath(DEMO.adapter) },
    cells: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '2' },
  },
});
const cells = Number(values.cells);
const runs = Number(values.runs);

const service = await openAtlasIndex(values.index!, { adapterPath: values.adapter!, workers: 2 });
const server = await startServer(service, { port: 0, handleSignals: false, logger: SILENT_LOGGER, referenceMap: await readReferenceMap(values.index!, service.manifest) });
const work = await mkdtemp(join(tmpdir(), 'fa-web-bench-'));
const browser = await chromium.launchPersistentContext(join(work, 'profile'), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 800 },
});
try {
  const types = await loadCellTypeTable(projectPath(DEMO.types));
  const { batch } = createDemoGenerator(createDemoModel(types, DEMO.seed), DEMO.unseenStartCell).next(cells);
  const lines: string[] = [];
  for (let i = 0; i < cells; i++) lines.push(`${batch.cellIds[i]},${Array.from(batch.embeddings.subarray(i * batch.dim, (i + 1) * batch.dim), (v) => v.toPrecision(7)).join(',')}`);
  const csv = join(work, 'query.csv');
  await writeFile(csv, lines.join('\n'));
  console.log(`demo index ${values.index}: ${service.manifest.numCells} cells, map of ${service.manifest.map?.points ?? 0}; ${cpus().length} cores, load ${loadavg()[0]!.toFixed(1)}`);
  for (let run = 1; run <= runs; run++) {
    const page = await browser.newPage();
    await page.goto(`${server.url}/#annotate`);
    await page.waitForSelector('#map-canvas[data-first-paint-ms]', { timeout: 120_000 });
    const paint = Number(await page.getAttribute('#map-canvas', 'data-first-paint-ms'));
    const redraw = await page.evaluate(() => {
      const view = (globalThis as any).fractalAtlas.mapView;
      const t = performance.now();
      for (let i = 0; i < 10; i++) view.draw();
      return (performance.now() - t) / 10;
    });
    await page.setInputFiles('#annotate-file', csv);
    await page.waitForSelector('#annotate-run:not([disabled])', { timeout: 120_000 });
    const t0 = Date.now();
    await page.click('#annotate-run');
    await page.waitForSelector(`#annotate-table[data-rows="${cells}"]`, { timeout: 600_000 });
    const seconds = (Date.now() - t0) / 1000;
    console.log(`run ${run}: map first paint ${Math.round(paint)} ms after navigation (one redraw ${redraw.toFixed(1)} ms); annotate of ${cells} cells: table after ${seconds.toFixed(1)} s`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
  await rm(work, { recursive: true, force: true });
}
