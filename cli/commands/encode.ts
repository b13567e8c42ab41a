import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AtlasError, createProgress } from '../../common/index.js';
import { alignCsrRows, DEFAULT_ENCODER_BATCH, DEFAULT_MIN_GENE_OVERLAP, NpyWriter, loadEncoder, matchGenes, requireGeneOverlap } from '../../adapter/index.js';
import { openCounts, type CountsMatrix } from '../../atlas/index.js';
import { readInt, requireString, type Command } from '../command.js';

/** `fractal-atlas encode`: counts (.h5ad) → SCimilarity embeddings (.npy) with the exported encoder. */
export const encodeCommand: Command = {
  name: 'encode',
  summary: 'raw counts (.h5ad or 10x folder) → embeddings (.npy) with an encoder from export-encoder',
  usage: [
    'usage: fractal-atlas encode --in counts.h5ad --encoder encoder.onnx --out embeddings.npy [options]',
    '',
    "  --in FILE|DIR          AnnData .h5ad with raw counts in layers['counts'] (or X with --matrix X), CSR or dense;",
    '                         or a 10x matrix folder (matrix.mtx, features.tsv/genes.tsv, barcodes.tsv, optionally .gz)',
    '  --encoder FILE         encoder ONNX written by export-encoder',
    '  --out FILE             float32 .npy, one row per cell in obs order (import it with its labels table)',
    "  --matrix counts|X      where the raw counts are (default counts = layers['counts'], as SCimilarity requires)",
    '  --gene-column NAME     var column with gene symbols (default: the var index; CELLxGENE: feature_name)',
    `  --min-gene-overlap N   fewest encoder genes the file must have (default ${DEFAULT_MIN_GENE_OVERLAP})`,
    `  --batch N              cells per encoder run (default ${DEFAULT_ENCODER_BATCH})`,
    '  --threads N            onnxruntime threads (default 2)',
    '',
    'Genes are matched by symbol (exact, else case-insensitive); the others are dropped, absent ones are 0. Each cell',
    'is normalised to 10,000 counts over the matched genes and log1p-transformed inside the encoder graph.',
  ].join('\n'),
  options: {
    in: { type: 'string' },
    encoder: { type: 'string' },
    out: { type: 'string' },
    matrix: { type: 'string' },
    'gene-column': { type: 'string' },
    'min-gene-overlap': { type: 'string' },
    batch: { type: 'string' },
    threads: { type: 'string' },
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `encode: unexpected argument ${JSON.stringify(positionals[0])}`);
    const input = requireString(values, 'in', 'encode');
    const out = resolve(requireString(values, 'out', 'encode'));
    const matrix = (values.matrix ?? 'counts') as CountsMatrix;
    const matrixGiven = values.matrix !== undefined;
    if (matrix !== 'counts' && matrix !== 'X') throw new AtlasError('invalid_argument', `--matrix must be counts or X, got ${JSON.stringify(values.matrix)}`);
    const minOverlap = readInt(values, 'min-gene-overlap', DEFAULT_MIN_GENE_OVERLAP, 1);
    const batch = readInt(values, 'batch', DEFAULT_ENCODER_BATCH, 1, 65_536);
    const encoder = await loadEncoder(requireString(values, 'encoder', 'encode'), { batchSize: batch, intraOpThreads: readInt(values, 'threads', 2, 1, 256) });
    try {
      const counts = await openCounts(input, { matrix: matrixGiven ? matrix : undefined, geneColumn: typeof values['gene-column'] === 'string' ? values['gene-column'] : undefined });
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
};
