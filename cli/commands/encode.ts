import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createProgress } from '../../common/index.js';
import { alignCsrRows, DEFAULT_ENCODER_BATCH, NpyWriter, loadEncoder, matchGenes, requireGeneOverlap } from '../../adapter/index.js';
import { openCounts } from '../../atlas/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';
import { COUNTS_OPTIONS } from '../shared-options.js';

/** `fractal-atlas encode`: counts (.h5ad) → SCimilarity embeddings (.npy) with the exported encoder. */
export const encodeCommand = defineCommand({
  name: 'encode',
  summary: 'raw counts (.h5ad or 10x folder) → embeddings (.npy) with an encoder from export-encoder',
  synopsis: ['--in counts.h5ad --encoder encoder.onnx --out embeddings.npy [options]'],
  options: {
    in: option.required('FILE|DIR', [
      "AnnData .h5ad with raw counts in layers['counts'] (or X with --matrix X), CSR or dense;",
      'or a 10x matrix folder (matrix.mtx, features.tsv/genes.tsv, barcodes.tsv, optionally .gz)',
    ]),
    encoder: option.required('FILE', 'encoder ONNX written by export-encoder'),
    out: option.required('FILE', 'float32 .npy, one row per cell in obs order (import it with its labels table)'),
    ...COUNTS_OPTIONS,
    batch: option.int('N', `cells per encoder run (default ${DEFAULT_ENCODER_BATCH})`, { fallback: DEFAULT_ENCODER_BATCH, min: 1, max: 65_536 }),
    threads: option.int('N', 'onnxruntime threads (default 2)', { fallback: 2, min: 1, max: 256 }),
  },
  notes: [
    'Genes are matched by symbol (exact, else case-insensitive); the others are dropped, absent ones are 0. Each cell',
    'is normalised to 10,000 counts over the matched genes and log1p-transformed inside the encoder graph.',
  ],
  async run(o, io) {
    const input = o.in;
    const out = resolve(o.out);
    const batch = o.batch;
    const minOverlap = o['min-gene-overlap'];
    const encoder = await loadEncoder(o.encoder, { batchSize: batch, intraOpThreads: o.threads });
    try {
      const counts = await openCounts(input, { matrix: o.matrix, geneColumn: o['gene-column'] });
      try {
        const match = matchGenes(encoder.genes, counts.genes, 'invalid_input', 'var');
        io.stdout.write(`${input}: ${counts.numCells} cells, ${counts.matrix}; ${match.matched} of the encoder's ${match.numModelGenes} genes present` +
          `${match.missing.length > 0 ? ` (missing e.g. ${match.missing.slice(0, 5).join(', ')})` : ''}, ${match.unmatchedCount} file genes unused\n`);
        requireGeneOverlap(match, minOverlap);
        const writer = await NpyWriter.create(out, 'float32', encoder.metadata.latentDim);
        const progress = createProgress('encode', counts.numCells);
        try {
          for await (const block of counts.blocks(batch)) {
            const aligned = alignCsrRows(block, match, 'invalid_input', (r) => `${counts.matrix} row ${block.start + r}`);
            await writer.append(await encoder.encode(aligned));
            progress.increment(block.n);
          }
        } catch (err) {
          await writer.abort();
          await rm(out, { force: true });
          throw err;
        } finally {
          progress.stop();
        }
        const rows = await writer.close();
        io.stdout.write(`wrote ${out}: ${rows} × ${encoder.metadata.latentDim} float32\n`);
      } finally {
        counts.close();
      }
    } finally {
      await encoder.close();
    }
  },
});
