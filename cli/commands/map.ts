import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtlasError } from '../../common/index.js';
import { decodeMapHeader } from '../../reference-map/index.js';
import { addReferenceMap } from '../../index-build/index.js';
import { readInt, requireString, type Command } from '../command.js';
import { readMapOptions } from './build.js';

/** `fractal-atlas map`: lay out (or redo) the reference map of a built index without rebuilding it. */
export const mapCommand: Command = {
  name: 'map',
  summary: 'add or redo the reference map (map.bin) of a built index',
  usage: [
    'usage: fractal-atlas map --index DIR [--map-size N] [--map-seed S] [--epochs E] [--threads N]',
    '',
    '  --index DIR        index folder written by `fractal-atlas build`',
    '  --map-size N       cells to lay out, a stratified sample by subtype (default as `build`)',
    '  --map-seed S       seed of the sample and the UMAP layout',
    "  --epochs E         UMAP epochs (default umap-js's own: 200 from 7,500 cells up); fewer is faster and rougher",
    '  --threads N        threads of the kNN graph (default 1)',
    '',
    'Writes map.bin and updates manifest.json; a running server picks it up at its next start.',
  ].join('\n'),
  options: { index: { type: 'string' }, 'map-size': { type: 'string' }, 'map-seed': { type: 'string' }, epochs: { type: 'string' }, threads: { type: 'string' } },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `map: unexpected argument ${JSON.stringify(positionals[0])}`);
    const indexDir = requireString(values, 'index', 'map');
    const options = readMapOptions(values);
    if (options === false) throw new AtlasError('internal', 'unreachable: map without a map');
    const epochs = values.epochs === undefined ? undefined : readInt(values, 'epochs', 200, 1, 10_000);
    const m = await addReferenceMap(indexDir, { ...options, epochs, threads: readInt(values, 'threads', 1, 1, 1024) });
    const layout = decodeMapHeader(new Uint8Array(await readFile(join(indexDir, m.map!.file)))).layout;
    io.stdout.write(
      `map of ${indexDir}: ${m.map!.points} of ${m.numCells} cells laid out in ${m.map!.seconds.toFixed(1)} s ` +
        `(sample + kNN graph ${layout.graph_seconds.toFixed(1)} s, ${layout.epochs} UMAP epochs ${(layout.seconds - layout.graph_seconds).toFixed(1)} s; ${m.map!.bytes} bytes)\n`,
    );
  },
};
