import { resolve } from 'node:path';
import { ENCODER_PARITY_TOLERANCE, exportEncoder } from '../../adapter/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';

/** `fractal-atlas export-encoder`: SCimilarity model folder → encoder ONNX, parity-checked. */
export const exportEncoderCommand = defineCommand({
  name: 'export-encoder',
  summary: "convert SCimilarity's expression encoder (model folder) to ONNX, checked against PyTorch",
  synopsis: ['--scimilarity-dir DIR --out encoder.onnx [--residual] [--threads N]'],
  options: {
    'scimilarity-dir': option.required('DIR', 'SCimilarity model folder: encoder.ckpt, gene_order.tsv, layer_sizes.json'),
    out: option.required('FILE', 'encoder ONNX to write: raw counts in gene order → unit-norm embedding'),
    residual: option.flag('the encoder was trained with residual connections (SCimilarity residual=True)'),
    threads: option.int('N', 'torch threads (default 2)', { fallback: 2, min: 1, max: 256 }),
  },
  notes: [
    'The graph normalises each cell to 10,000 counts over the model genes and applies log1p itself; the gene',
    `order and the preprocessing are in its metadata. Parity: onnxruntime-node vs PyTorch ≤ ${ENCODER_PARITY_TOLERANCE}`,
    'on seeded counts, or the file is removed. Needs PyTorch in $FRACTAL_ATLAS_PYTHON (default /usr/bin/python3).',
  ],
  async run(o, io) {
    const scimilarityDir = resolve(o['scimilarity-dir']);
    const out = resolve(o.out);
    const r = await exportEncoder({ scimilarityDir, out, residual: o.residual, threads: o.threads, onLine: (l) => io.stdout.write(`${l}\n`) });
    const m = r.metadata;
    io.stdout.write(
      `wrote ${out}: ${m.numGenes} genes → ${m.latentDim} (gene order sha256 ${m.geneOrderSha256.slice(0, 12)}…)\n` +
        `parity: max |onnxruntime − PyTorch| = ${r.parity.maxAbsDiff.toExponential(2)} over ${r.parity.cells} cells × ${m.latentDim} dims (tolerance ${ENCODER_PARITY_TOLERANCE})\n`,
    );
  },
});
