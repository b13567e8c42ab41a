/**
 * The web page's test rig: a real server on a small real index (demo cells, the demo adapter when committed)
 * with a reference map, and Debian's Chromium driven by playwright-core. `chromiumMissing()` says why the
 * browser tests must skip.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { addReferenceMap } from '../../index-build/index.js';
import { readReferenceMap } from '../../index-files/index.js';
import { openAtlasIndex } from '../../search/index.js';
import { SILENT_LOGGER, startServer, type RunningServer } from '../../server/index.js';
import { createDemoFixture, type DemoFixture } from '../server/demo-fixture.js';

/** Debian's chromium package (CI installs it); never a downloaded browser. */
export const CHROMIUM_PATH = process.env.FRACTAL_ATLAS_CHROMIUM ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser tests cannot run here, or null when they can. */
export function chromiumMissing(): string | null {
  return existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} not found (install Debian's chromium package; .ci/run does)`;
}

export interface WebRig {
  readonly fixture: DemoFixture;
  /** The server with the map and no API key. */
  readonly server: RunningServer;
  readonly browser: BrowserContext;
  /** Another server on the same index (closed with the rig). */
  serve(options: { apiKey?: string; withMap: boolean }): Promise<RunningServer>;
  close(): Promise<void>;
}

/** Options of {@link startWebRig}. */
export interface WebRigOptions {
  readonly referenceCells: number;
  readonly heldOutCells: number;
  readonly mapEpochs: number;
  readonly viewport?: { width: number; height: number };
}

/** Builds the index and its map, serves it on a free port and opens a browser with a fresh profile. */
export async function startWebRig(options: WebRigOptions): Promise<WebRig> {
  const fixture = await createDemoFixture(options.referenceCells, options.heldOutCells);
  const closers: (() => Promise<unknown>)[] = [() => fixture.cleanup()];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    const manifest = await addReferenceMap(fixture.indexDir, { size: options.referenceCells, epochs: options.mapEpochs, threads: 1 });
    const referenceMap = await readReferenceMap(fixture.indexDir, manifest);
    const serve = async (o: { apiKey?: string; withMap: boolean }) => {
      // In-process search: the page cannot tell, and each worker would cost ~0.6 CPU s to start.
      const service = await openAtlasIndex(fixture.indexDir, { adapterPath: fixture.adapterPath, workers: 0 });
      const server = await startServer(service, { port: 0, handleSignals: false, logger: SILENT_LOGGER, apiKey: o.apiKey, referenceMap: o.withMap ? referenceMap : null });
      closers.push(() => server.close());
      return server;
    };
    const server = await serve({ withMap: true });
    const profile = await mkdtemp(join(tmpdir(), 'fa-chromium-'));
    closers.push(() => rm(profile, { recursive: true, force: true }));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: options.viewport ?? { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    closers.push(() => browser.close());
    return { fixture, server, browser, serve, close };
  } catch (err) {
    await close();
    throw err;
  }
}
