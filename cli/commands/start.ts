import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AtlasError, createProgress, isAtlasError, projectPath } from '../../common/index.js';
import { demoCellId, loadCellTypeTable, stratifyAtlas, writeDemoAtlas } from '../../atlas/index.js';
import { addReferenceMap, buildAtlasIndex } from '../../index-build/index.js';
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
  return { atlas: join(cacheDir, DEMO.atlasFile), index: join(cacheDir, DEMO.indexDir) };
}

function logLine(line: string): void {
  process.stderr.write(`fractal-atlas start: ${line}\n`);
}

/**
 * Makes sure the demo atlas (stratified) and its index exist under `cacheDir`, generating and building what
 * is absent. An index built with another adapter file is rebuilt. Returns the index folder.
 */
export async function ensureDemoIndex(
  cacheDir: string,
  adapterPath: string,
  options: { readonly cells?: number; readonly seed?: number; readonly threads?: number; readonly log?: (line: string) => void } = {},
): Promise<{ indexDir: string; atlasPath: string }> {
  const log = options.log ?? logLine;
  const cells = options.cells ?? DEMO.cells;
  const seed = options.seed ?? DEMO.seed;
  const paths = demoPaths(cacheDir);
  await mkdir(cacheDir, { recursive: true });
  if (!existsSync(paths.atlas)) {
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
  }
  const manifest = join(paths.index, 'manifest.json');
  if (existsSync(manifest)) {
    // An index cached before the web page existed: add its map rather than rebuild. (A manifest that does
    // not read is left to serve, which rebuilds.)
    const cached = await readManifest(paths.index).catch(() => null);
    if (cached && cached.map == null) {
      log(`laying out the reference map of ${paths.index}`);
      await addReferenceMap(paths.index, { threads: options.threads });
    }
    return { indexDir: paths.index, atlasPath: paths.atlas };
  }
  log(`building the indexes with ${adapterPath} → ${paths.index}`);
  const result = await buildAtlasIndex({ referencePath: paths.atlas, adapterPath, outDir: paths.index, overwrite: true, threads: options.threads, map: {} });
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
