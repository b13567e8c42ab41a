import { AtlasError } from '../../common/index.js';
import { checkVerifyMode, verifyIndex } from '../../index-files/index.js';
import { requireString, type Command } from '../command.js';

/** `fractal-atlas verify`: check an index folder without serving it. */
export const verifyCommand: Command = {
  name: 'verify',
  summary: 'check an index folder (manifest schema, sizes, structure, checksums) without serving it',
  usage: [
    'usage: fractal-atlas verify --index DIR [--mode quick|full|none]',
    '',
    '  --index DIR     index folder written by `fractal-atlas build`',
    '  --mode M        none: manifest schema and file sizes;',
    '                  quick: also usearch headers, cell-id offsets and hash directory, label codes (~30 bytes/cell);',
    '                  full (default): also the xxh64 checksum of every file (reads every byte)',
    '',
    'Exit 0 and one line when the folder is intact; exit 1 and one line naming the damaged file otherwise.',
  ].join('\n'),
  options: { index: { type: 'string' }, mode: { type: 'string' } },
  async run(values, positionals) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `verify: unexpected argument ${JSON.stringify(positionals[0])}`);
    const indexDir = requireString(values, 'index', 'verify');
    const mode = checkVerifyMode(values.mode ?? 'full');
    const r = await verifyIndex(indexDir, { mode });
    const gb = r.bytesRead / 1e9;
    process.stdout.write(
      `ok ${indexDir}: ${r.manifest.numCells.toLocaleString('en-US')} cells, ${r.files} files, verify ${r.mode}: ` +
        `read ${gb.toFixed(3)} GB in ${r.seconds.toFixed(2)} s${r.seconds > 0 ? ` (${(gb / r.seconds).toFixed(2)} GB/s)` : ''}\n`,
    );
  },
};
