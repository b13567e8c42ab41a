import { VERIFY_MODES, verifyIndex } from '../../index-files/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';

/** `fractal-atlas verify`: check an index folder without serving it. */
export const verifyCommand = defineCommand({
  name: 'verify',
  summary: 'check an index folder (manifest schema, sizes, structure, checksums) without serving it',
  synopsis: ['--index DIR [--mode full|quick|none]'],
  options: {
    index: option.required('DIR', 'index folder written by `fractal-atlas build`'),
    mode: option.choice(
      'M',
      [
        'none: manifest schema and file sizes; quick: also usearch headers, cell-id offsets and hash directory,',
        'label codes (~33 bytes per cell); full (default): also the xxh64 checksum of every file (reads every byte)',
      ],
      VERIFY_MODES,
      'full',
    ),
  },
  notes: ['Exit 0 and one line when the folder is intact; exit 1 and one line naming the damaged file otherwise.'],
  async run(o, io) {
    const r = await verifyIndex(o.index, { mode: o.mode });
    const gb = r.bytesRead / 1e9;
    io.stdout.write(
      `ok ${o.index}: ${r.manifest.numCells.toLocaleString('en-US')} cells, ${r.files} files, verify ${r.mode}: ` +
        `read ${gb.toFixed(3)} GB in ${r.seconds.toFixed(2)} s${r.seconds > 0 ? ` (${(gb / r.seconds).toFixed(2)} GB/s)` : ''}\n`,
    );
  },
});
