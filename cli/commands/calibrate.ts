import { availableParallelism } from 'node:os';
import { BUILD_DEFAULTS, BUILD_LIMITS, calibrateIndexBeams } from '../../index-build/index.js';
import { describeBeams } from '../../index-files/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';

/** `fractal-atlas calibrate`: (re)calibrate the search beams of a built index without rebuilding it. */
export const calibrateCommand = defineCommand({
  name: 'calibrate',
  summary: 'choose the search beams of a built index per prefix and k for a recall target',
  synopsis: ['--index DIR [--recall-target R] [--threads N]'],
  options: {
    index: option.required('DIR', 'index folder written by `fractal-atlas build`'),
    'recall-target': option.number('R', `recall@k the beams are chosen for (default ${BUILD_DEFAULTS.recallTarget})`, { fallback: BUILD_DEFAULTS.recallTarget, ...BUILD_LIMITS.recallTarget }),
    threads: option.int('N', 'threads of the exact and HNSW searches (default: all cores)', { fallback: availableParallelism(), ...BUILD_LIMITS.threads }),
  },
  notes: [
    'For folders built before beams existed, or with --expansion-search, or for another target. Updates manifest.json;',
    'a running server takes the beams at its next start. Searches that name "ef" are unaffected.',
  ],
  async run(o, io) {
    const t0 = performance.now();
    const m = await calibrateIndexBeams(o.index, o['recall-target'], o.threads);
    io.stdout.write(`calibrated ${o.index} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${describeBeams(m)}\n`);
  },
});
