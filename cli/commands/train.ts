import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openAdapter, pythonPath, requireTorch, runPythonScript } from '../../adapter/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';
import { DEFAULT_MAX_SAMPLES, exportTrainingSet } from './export-training-set.js';

/** `fractal-atlas train`: atlas → training bundle → adapter/python/train.py → checked ONNX adapter. */
export const trainCommand = defineCommand({
  name: 'train',
  summary: "train a fractal adapter on an atlas with the seed's recipe and export it to ONNX",
  synopsis: ['--in ATLAS --out MODEL.onnx [--num-levels 2|3|4] [--scale-dim D] [trainer flags]'],
  options: {
    in: option.required('FILE', 'stratified atlas Parquet file'),
    out: option.required('FILE', 'ONNX adapter to write (checked against the contract after export)'),
    'num-levels': option.int('L', '2, 3 or 4 hierarchy levels = scales (default 4)', { fallback: 4, min: 2, max: 4 }),
    'scale-dim': option.int('D', 'dims per scale block (default 32)', { fallback: 32, min: 1, max: 4096 }),
    epochs: option.optionalInt('N', 'maximum epochs (default: about 2,000 optimizer steps, 20..200 epochs)', { min: 1, max: 10_000 }),
    'batch-size': option.optionalInt('N', '(default: scaled to the training cells, 32..256: 256 from ~4k cells)', { min: 2, max: 1 << 16 }),
    lr: option.custom('X', 'AdamW learning rate (default: 1e-4·sqrt(50,000 / training cells), 1e-4..1e-3)', (v, fail) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 10) fail(`must be a number in (0, 10], got ${JSON.stringify(v)}`);
      return n;
    }),
    'max-samples': option.int('N', `atlas rows used, from the start (default ${DEFAULT_MAX_SAMPLES.toLocaleString('en')})`, { fallback: DEFAULT_MAX_SAMPLES, min: 0, max: Number.MAX_SAFE_INTEGER }),
    'val-ratio': option.number('X', 'held-out share for early stopping and the final table (default 0.15)', { fallback: 0.15, min: 0.001, max: 0.9 }),
    patience: option.optionalInt('N', 'epochs without a better held-out score before stopping (default: epochs / 5, 5..30)', { min: 1, max: 10_000 }),
    'require-gain': option.flag('fail (nothing written) when the adapter is worse than the raw embeddings at a level'),
    seed: option.int('S', '(default 42)', { fallback: 42, min: 0, max: 2 ** 32 - 1 }),
    threads: option.int('N', 'torch threads (default 2)', { fallback: 2, min: 1, max: 256 }),
    checkpoint: option.text('FILE', 'also keep a reference-layout PyTorch checkpoint'),
    'metrics-out': option.text('FILE', 'write the recipe, per-epoch history and held-out table as JSON'),
  },
  notes: [
    'Needs PyTorch in $FRACTAL_ATLAS_PYTHON (default /usr/bin/python3). Any input width. Prints progress per',
    'epoch and the held-out 5-NN accuracies: raw embeddings, full adapter embedding and every prefix, then per',
    'level raw vs the prefix that serves it, with one warning line where the adapter is worse (then consider',
    '`build --adapter identity`).',
  ],
  async run(o, io) {
    const out = resolve(o.out);
    const flags: string[] = [];
    for (const name of ['num-levels', 'scale-dim', 'val-ratio', 'seed', 'threads'] as const) flags.push(`--${name}`, String(o[name]));
    // Left out unless given: train.py scales them to the number of cells.
    for (const name of ['epochs', 'batch-size', 'lr', 'patience'] as const) {
      const v = o[name];
      if (v !== undefined) flags.push(`--${name}`, String(v));
    }
    if (o['require-gain']) flags.push('--require-gain');
    for (const name of ['checkpoint', 'metrics-out'] as const) {
      const path = o[name];
      if (path !== undefined) flags.push(`--${name}`, resolve(path));
    }
    const python = pythonPath();
    const torch = requireTorch(python); // fail before the (long) export when torch is missing
    const dir = await mkdtemp(join(tmpdir(), 'fractal-atlas-train-'));
    try {
      const bundle = await exportTrainingSet(o.in, dir, o['max-samples']);
      io.stdout.write(`training bundle: ${bundle.numRows.toLocaleString('en')} cells × ${bundle.dim} dims, ${bundle.fingerprint}\n`);
      io.stdout.write(`trainer: ${python} (torch ${torch})\n`);
      await runPythonScript('train.py', ['--bundle', dir, '--out', out, '--max-samples', '0', ...flags], { python, onLine: (l) => io.stdout.write(`${l}\n`) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const adapter = await openAdapter(out);
    await adapter.close();
    io.stdout.write(`wrote ${out}: ${adapter.inputDim} → ${adapter.numScales}×${adapter.scaleDim} (contract checked)\n`);
  },
});
