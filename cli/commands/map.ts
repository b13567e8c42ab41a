import { AtlasError } from '../../common/index.js';
import { addReferenceMap } from '../../index-build/index.js';
import { readInt, requireString, type Command } from '../command.js';
import { readMapOptions } from './build.js';

/** `fractal-atlas map`: lay out (or redo) the reference map of a built index without rebuilding it. */
export const mapCommand: Command = {
  name: 'map',
  summary: 'add or redo the reference map (map.bin) of a built index',
  usage: [
    'usage: fractal-atlas map --index DIR [--map-size N] [--map-seed S] [--threads N]',
    '',
    '  --index DIR        index folder written by `fractal-atlas build`',
    '  --map-size N       cells to lay out, a stratified sample by subtype (default as `build`)',
    '  --map-seed S       seed of the sample and the UMAP layout',
    '  --threads N        threads of the kNN graph (default 1)',
    '',
    'Writes map.bin and updates manifest.json; a running server picks it up at its next start.',
  ].join('\n'),
  options: { index: { type: 'string' }, 'map-size': { type: 'string' }, 'map-seed': { type: 'string' }, threads: { type: 'string' } },
  async run(values, positionals) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `map: unexpected argument ${JSON.stringify(positionals[0])}`);
    const indexDir = requireString(values, 'index', 'map');
    const options = readMapOptions(values);
    if (options === false) throw new AtlasError('internal', 'unreachable: map without a map');
    const m = await addReferenceMap(indexDir, { ...options, threads: readInt(values, 'threads', 1, 1, 1024) });
    process.stdout.write(`map of ${indexDir}: ${m.map!.points} of ${m.numCells} cells laid out in ${m.map!.seconds.toFixed(1)} s (${m.map!.bytes} bytes)\n`);
  },
};
