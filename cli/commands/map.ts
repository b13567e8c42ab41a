import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { addReferenceMap } from '../../index-build/index.js';
import { decodeMapHeader } from '../../reference-map/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';
import { MAP_OPTIONS } from '../shared-options.js';

/** `fractal-atlas map`: lay out (or redo) the reference map of a built index without rebuilding it. */
export const mapCommand = defineCommand({
  name: 'map',
  summary: 'add or redo the reference map (map.bin) of a built index',
  synopsis: ['--index DIR [--map-size N] [--map-seed S] [--epochs E] [--threads N]'],
  options: {
    index: option.required('DIR', 'index folder written by `fractal-atlas build`'),
    ...MAP_OPTIONS,
    epochs: option.optionalInt('E', "UMAP epochs (default umap-js's own: 200 from 7,500 cells up); fewer is faster and rougher", { min: 1, max: 10_000 }),
    threads: option.int('N', 'threads of the kNN graph (default 1)', { fallback: 1, min: 1, max: 1024 }),
  },
  notes: ['Writes map.bin and updates manifest.json; a running server picks it up at its next start.'],
  async run(o, io) {
    const m = await addReferenceMap(o.index, { size: o['map-size'], seed: o['map-seed'], epochs: o.epochs, threads: o.threads });
    const layout = decodeMapHeader(new Uint8Array(await readFile(join(o.index, m.map!.file)))).layout;
    io.stdout.write(
      `map of ${o.index}: ${m.map!.points} of ${m.numCells} cells laid out in ${m.map!.seconds.toFixed(1)} s ` +
        `(sample + kNN graph ${layout.graph_seconds.toFixed(1)} s, ${layout.epochs} UMAP epochs ${(layout.seconds - layout.graph_seconds).toFixed(1)} s; ${m.map!.bytes} bytes)\n`,
    );
  },
});
