import { resolve } from 'node:path';
import { AtlasError } from '../../common/index.js';
import { ENCODER_PARITY_TOLERANCE, exportEncoder } from '../../adapter/index.js';
import { readInt, requireString, type Command } from '../command.js';

/** `fractal-atlas export-encoder`: SCimilarity model folder → encoder ONNX, parity-checked. */
export const exportEncoderCommand: Command = {
  name: 'export-encoder',
  summary: "convert SCimilarity's expression encoder (model folder) to ONNX, checked against PyTorch",
  usage: [
    'usage: fractal-atlas export-encoder --scimilarity-dir DIR --out encoder.onnx [--residual] [--threads N]',
    '',
    '  --scimilarity-dir DIR  SCimilarity model folder: encoder.ckpt, gene_order.tsv, layer_sizes.json',
    '  --out FILE             encoder ONNX to write: raw counts in gene order → unit-norm embedding',
    '  --residual             the encoder was trained with residual connections (SCimilarity residual=True)',
    '  --threads N            torch threads (default 2)',
    '',
    'The graph normalises each cell to 10,000 counts over the model genes and applies log1p itself; the gene',
    `order and the preprocessing are in its metadata. Parity: onnxruntime-node vs PyTorch ≤ ${ENCODER_PARITY_TOLERANCE}`,
    'on seeded counts, or the file is removed. Needs PyTorch in $FRACTAL_ATLAS_PYTHON (default /usr/bin/python3).',
  ].join('\n'),
  options: { 'scimilarity-dir': { type: 'string' }, out: { type: 'string' }, residual: { type: 'boolean' }, threads: { type: 'string' } },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `export-encoder: unexpected argument ${JSON.stringify(positionals[0])}`);
    const scimilarityDir = resolve(requireString(values, 'scimilarity-dir', 'export-encoder'));
    const out = resolve(requireString(values, 'out', 'export-encoder'));
    const r = await exportEncoder({ scimilarityDir, out, residual: values.residual === true, threads: readInt(values, 'threads', 2, 1, 256), onLine: (l) => io.stdout.write(`${l}\n`) });
    const m = r.metadata;
    io.stdout.write(
      `wrote ${out}: ${m.numGenes} genes → ${m.latentDim} (gene order sha256 ${m.geneOrderSha256.slice(0, 12)}…)\n` +
        `parity: max |onnxruntime − PyTorch| = ${r.parity.maxAbsDiff.toExponential(2)} over ${r.parity.cells} cells × ${m.latentDim} dims (tolerance ${ENCODER_PARITY_TOLERANCE})\n`,
    );
  },
};
