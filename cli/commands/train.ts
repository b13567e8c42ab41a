import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AtlasError } from '../../common/index.js';
import { loadAdapter, pythonPath, requireTorch, runPythonScript } from '../../adapter/index.js';
import { readInt, readNumber, requireString, type Command } from '../command.js';
import { DEFAULT_MAX_SAMPLES, exportTrainingSet } from './export-training-set.js';

/** `fractal-atlas train`: atlas → training bundle → adapter/python/train.py → checked ONNX adapter. */
export const trainCommand: Command = {
  name: 'train',
  summary: "train a fractal adapter on an atlas with the seed's recipe and export it to ONNX",
  usage: [
    'usage: fractal-atlas train --in ATLAS --out MODEL.onnx [--num-levels 2|3|4] [--scale-dim D] [trainer flags]',
    '',
    '  --in FILE           stratified atlas Parquet file',
    '  --out FILE          ONNX adapter to write (checked against the contract after export)',
    '  --num-levels L      2, 3 or 4 hierarchy levels = scales (default 4)',
    '  --scale-dim D       dims per scale block (default 32)',
    '  --epochs N          maximum epochs (default: about 2,000 optimizer steps, 20..200 epochs)',
    '  --batch-size N      (default: scaled to the training cells, 32..256: 256 from ~4k cells)',
    '  --lr X              AdamW learning rate (default: 1e-4·sqrt(50,000 / training cells), 1e-4..1e-3)',
    `  --max-samples N     atlas rows used, from the start (default ${DEFAULT_MAX_SAMPLES.toLocaleString('en')})`,
    '  --val-ratio X       held-out share for early stopping and the final table (default 0.15)',
    '  --patience N        epochs without a better held-out score before stopping (default: epochs / 5, 5..30)',
    '  --require-gain      fail (nothing written) when the adapter is worse than the raw embeddings at a level',
    '  --seed S            (default 42)',
    '  --threads N         torch threads (default 2)',
    '  --checkpoint FILE   also keep a reference-layout PyTorch checkpoint',
    '  --metrics-out FILE  write the recipe, per-epoch history and held-out table as JSON',
    '',
    'Needs PyTorch in $FRACTAL_ATLAS_PYTHON (default /usr/bin/python3). Any input width. Prints progress per',
    'epoch and the held-out 5-NN accuracies: raw embeddings, full adapter embedding and every prefix, then per',
    'level raw vs the prefix that serves it, with one warning line where the adapter is worse (then consider',
    '`build --adapter identity`).',
  ].join('\n'),
  options: {
    in: { type: 'string' },
    out: { type: 'string' },
    'num-levels': { type: 'string' },
    'scale-dim': { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    lr: { type: 'string' },
    'max-samples': { type: 'string' },
    'val-ratio': { type: 'string' },
    patience: { type: 'string' },
    'require-gain': { type: 'boolean' },
    seed: { type: 'string' },
    threads: { type: 'string' },
    checkpoint: { type: 'string' },
    'metrics-out': { type: 'string' },
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `train: unexpected argument ${JSON.stringify(positionals[0])}`);
    const input = requireString(values, 'in', 'train');
    const out = resolve(requireString(values, 'out', 'train'));
    const numLevels = readInt(values, 'num-levels', 4, 2, 4);
    const flags = [
      '--num-levels', String(numLevels),
      '--scale-dim', String(readInt(values, 'scale-dim', 32, 1, 4096)),
      '--val-ratio', String(readNumber(values, 'val-ratio', 0.15, 0.001, 0.9)),
      '--seed', String(readInt(values, 'seed', 42, 0, 2 ** 32 - 1)),
      '--threads', String(readInt(values, 'threads', 2, 1, 256)),
    ];
    // Left out unless given: train.py scales them to the number of cells.
    if (values.epochs !== undefined) flags.push('--epochs', String(readInt(values, 'epochs', 20, 1, 10_000)));
    if (values['batch-size'] !== undefined) flags.push('--batch-size', String(readInt(values, 'batch-size', 256, 2, 1 << 16)));
    if (values.lr !== undefined) flags.push('--lr', String(readNumber(values, 'lr', 1e-4, Number.MIN_VALUE, 10)));
    if (values.patience !== undefined) flags.push('--patience', String(readInt(values, 'patience', 5, 1, 10_000)));
    if (values['require-gain'] === true) flags.push('--require-gain');
    const maxSamples = readInt(values, 'max-samples', DEFAULT_MAX_SAMPLES, 0);
    for (const opt of ['checkpoint', 'metrics-out'] as const) {
      if (values[opt] !== undefined) flags.push(`--${opt}`, resolve(requireString(values, opt, 'train')));
    }
    const python = pythonPath();
    const torch = requireTorch(python); // fail before the (long) export when torch is missing
    const dir = await mkdtemp(join(tmpdir(), 'fractal-atlas-train-'));
    try {
      const bundle = await exportTrainingSet(input, dir, maxSamples);
      io.stdout.write(`training bundle: ${bundle.numRows.toLocaleString('en')} cells × ${bundle.dim} dims, ${bundle.fingerprint}\n`);
      io.stdout.write(`trainer: ${python} (torch ${torch})\n`);
      await runPythonScript('train.py', ['--bundle', dir, '--out', out, '--max-samples', '0', ...flags], { python, onLine: (l) => io.stdout.write(`${l}\n`) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const adapter = await loadAdapter(out);
    await adapter.close();
    io.stdout.write(`wrote ${out}: ${adapter.inputDim} → ${adapter.numScales}×${adapter.scaleDim} (contract checked)\n`);
  },
};
