import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtlasError, createProgress, isAtlasError, projectPath, sha256File } from '../../common/index.js';
import { demoCellId, describeDemoGenerator, loadCellTypeTable, stratifyAtlas, writeDemoAtlas } from '../../atlas/index.js';
import { addReferenceMap, buildAtlasIndex, type ReferenceMapOptions } from '../../index-build/index.js';
import { readManifest } from '../../index-files/index.js';
import { defineCommand } from '../command.js';
import { networkOptions } from '../shared-options.js';
import { printServing, serveIndex, networkSettings } from './serve.js';
import { NPM_START_PORT_HINT, checkPortFree } from '../port-check.js';

/** The embedded default: what `npm start` generates, builds and serves. */
export const DEMO = {
  /** Committed demo adapter (issue 3), trained on the stratified demo atlas below. */
  adapter: 'models/demo-adapter.onnx',
  /** Committed cell-type table the demo atlas is generated from. */
  types: 'data/demo-cell-types.tsv',
  /** Gitignored cache. */
  cacheDir: 'data/generated',
  atlasFile: 'demo-atlas.parquet',
  /** What produced the cached atlas (see {@link describeDemoAtlas}); a cache without it or with another is stale. */
  keyFile: 'demo-atlas.key.json',
  /** Bump when what start does to a generated atlas (stratify) changes the rows of the cache. */
  cacheFormat: 2,
  indexDir: 'demo-index',
  cells: 100_000,
  seed: 7,
  /**
   * First generator position the demo adapter never saw: it was trained on cells 0..99,999 of seed 7
   * (models/README.md). Held-out checks draw from here (a multiple of the generator's 4,096-cell block).
   */
  unseenStartCell: 102_400,
} as const;

/** Paths of the demo cache under a cache folder. */
export function demoPaths(cacheDir: string) {
  return { atlas: join(cacheDir, DEMO.atlasFile), key: join(cacheDir, DEMO.keyFile), index: join(cacheDir, DEMO.indexDir) };
}

/**
 * The key of a demo atlas: everything that decides its rows (cell-type table bytes, generator version and
 * constants, cells, seed, cache format), as the JSON text written next to the cached atlas.
 */
export async function describeDemoAtlas(cells: number, seed: number): Promise<string> {
  const types = await sha256File(projectPath(DEMO.types));
  return `${JSON.stringify({ cacheFormat: DEMO.cacheFormat, typesSha256: types, cells, seed, generator: describeDemoGenerator() }, null, 2)}\n`;
}

/** Whether the cached atlas exists and was produced by exactly `key`. */
async function isCachedAtlas(paths: ReturnType<typeof demoPaths>, key: string): Promise<boolean> {
  if (!existsSync(paths.atlas) || !existsSync(paths.key)) return false;
  return (await readFile(paths.key, 'utf8')) === key;
}

/**
 * Generates and stratifies the demo atlas unless the cache holds one with the same key. A stale atlas and
 * the index built from it are removed first; the key is written last, so an interrupted run regenerates.
 */
async function ensureDemoAtlas(paths: ReturnType<typeof demoPaths>, cells: number, seed: number, log: (line: string) => void): Promise<void> {
  const key = await describeDemoAtlas(cells, seed);
  if (await isCachedAtlas(paths, key)) return;
  if (existsSync(paths.atlas)) log(`the cached demo atlas was made by another generator, table or size (${paths.key}); regenerating`);
  await rm(paths.key, { force: true });
  await rm(paths.index, { recursive: true, force: true });
  await rm(paths.atlas, { force: true });
  const raw = `${paths.atlas}.unstratified.parquet`;
  log(`generating the demo atlas (${cells.toLocaleString('en-US')} cells, seed ${seed}) → ${paths.atlas}`);
  const types = await loadCellTypeTable(projectPath(DEMO.types));
  const progress = createProgress('demo-atlas', cells);
  try {
    await writeDemoAtlas(raw, { types, cells, seed, onProgress: (n) => progress.increment(n) });
  } finally {
    progress.stop();
  }
  log('stratifying (round-robin by subtype)');
  await stratifyAtlas({ input: raw, out: paths.atlas, seed, progress: true });
  await rm(raw, { force: true });
  await writeFile(paths.key, key);
}

function logLine(line: string): void {
  process.stderr.write(`fractal-atlas start: ${line}\n`);
}

/**
 * Makes sure the demo atlas (stratified) and its index exist under `cacheDir`, generating and building what
 * is absent or stale: an atlas whose key (table, generator, cells, seed) differs is regenerated and its index
 * rebuilt; an index built with another adapter file is rebuilt by `start`. Returns the index folder.
 */
export async function ensureDemoIndex(
  cacheDir: string,
  adapterPath: string,
  options: {
    readonly cells?: number;
    readonly seed?: number;
    readonly threads?: number;
    readonly log?: (line: string) => void;
    /** Reference map options (default: the map step's defaults; tests lay out a small map). */
    readonly map?: ReferenceMapOptions;
  } = {},
): Promise<{ indexDir: string; atlasPath: string }> {
  const log = options.log ?? logLine;
  const cells = options.cells ?? DEMO.cells;
  const seed = options.seed ?? DEMO.seed;
  const paths = demoPaths(cacheDir);
  await mkdir(cacheDir, { recursive: true });
  await ensureDemoAtlas(paths, cells, seed, log);
  const manifest = join(paths.index, 'manifest.json');
  if (existsSync(manifest)) {
    // An index cached before the web page existed: add its map rather than rebuild. (A manifest that does
    // not read is left to serve, which rebuilds.)
    const cached = await readManifest(paths.index).catch(() => null);
    if (cached && cached.map == null) {
      log(`laying out the reference map of ${paths.index}`);
      await addReferenceMap(paths.index, { threads: options.threads, ...options.map });
    }
    return { indexDir: paths.index, atlasPath: paths.atlas };
  }
  log(`building the indexes with ${adapterPath} → ${paths.index}`);
  const result = await buildAtlasIndex({ referencePath: paths.atlas, adapterPath, outDir: paths.index, overwrite: true, threads: options.threads, map: options.map ?? {} });
  log(`built ${result.manifest.numCells.toLocaleString('en-US')} cells × ${result.manifest.prefixes.length} prefixes in ${result.seconds.toFixed(1)} s`);
  return { indexDir: paths.index, atlasPath: paths.atlas };
}

/** `fractal-atlas start`: the embedded default behind `npm start`. */
export const startCommand = defineCommand({
  name: 'start',
  summary: 'generate + build the demo atlas if absent, then serve it (what `npm start` runs)',
  synopsis: ['[--port N] [--host H] [--api-key K] [--cors ORIGIN] [--workers N] [--threads N]'],
  description: [
    `Generates the demo atlas (${DEMO.cells.toLocaleString('en-US')} cells) and builds its indexes with the committed`,
    `${DEMO.adapter} when they are absent (cached under ${DEMO.cacheDir}/), then serves it like \`serve\`.`,
    'A second start reuses the cache and is ready in seconds.',
  ],
  options: networkOptions('TCP port (default $PORT, else 8080); through npm: `npm start -- --port N` or `PORT=N npm start`', 'PORT'),
  // `npm start --port 9000` gives npm the flag and us the bare "9000"
  unexpectedArgumentHint: (arg) => (/^\d+$/.test(arg) ? `through npm, options follow \`--\`: \`npm start -- --port ${arg}\` or \`PORT=${arg} npm start\`` : undefined),
  async run(o, io) {
    const net = networkSettings(o);
    const adapterPath = projectPath(DEMO.adapter);
    if (!existsSync(adapterPath)) {
      throw new AtlasError('file_not_found', `the demo adapter ${DEMO.adapter} is missing; it is trained and committed by the adapter work (README "Fractal adapter"), or serve your own index with \`fractal-atlas serve\``);
    }
    // Before minutes of generating and building: a taken port is known now.
    await checkPortFree(net.host, net.port, NPM_START_PORT_HINT);
    const cacheDir = projectPath(DEMO.cacheDir);
    const log = (line: string) => io.stderr.write(`fractal-atlas start: ${line}\n`);
    let { indexDir } = await ensureDemoIndex(cacheDir, adapterPath, { log });
    const serve = () =>
      serveIndex({
        indexDir,
        adapterPath,
        ...net,
        portHint: NPM_START_PORT_HINT,
        onListening: (server) => printServing(io.stdout, server, net.apiKey, `{"cell_ids": ["${demoCellId(0)}"], "level": "type", "k": 5}`),
      });
    try {
      await serve();
    } catch (err) {
      // A cached index from an older demo adapter: rebuild once rather than make the user delete the cache.
      if (!isAtlasError(err, 'index_mismatch')) throw err;
      log(`cached index does not match (${err.message}); rebuilding`);
      await rm(demoPaths(cacheDir).index, { recursive: true, force: true });
      ({ indexDir } = await ensureDemoIndex(cacheDir, adapterPath, { log }));
      await serve();
    }
  },
});
