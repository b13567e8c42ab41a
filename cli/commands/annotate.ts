import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { once } from 'node:events';
import { AtlasError, createProgress } from '../../common/index.js';
import { alignCsrRows, DEFAULT_ENCODER_BATCH, DEFAULT_MIN_GENE_OVERLAP, matchGenes, requireGeneOverlap } from '../../adapter/index.js';
import { openCounts, type CountsMatrix } from '../../atlas/index.js';
import { LEVEL_COLUMNS } from '../../ontology/index.js';
import { openAtlasIndex, type CellAnnotation } from '../../search/index.js';
import { readInt, requireString, type Command } from '../command.js';

/** One TSV line of a cell's calls: id, per level the consistent label and its confidence, nearest distance, out of reference. */
function callLine(id: string, cell: CellAnnotation): string {
  const levels = LEVEL_COLUMNS.flatMap((c) => {
    const v = cell.consistent[c];
    return v ? [v.label, v.confidence.toFixed(4)] : ['', ''];
  });
  return [id, ...levels, cell.nearest_distance === null ? '' : cell.nearest_distance.toFixed(6), String(cell.out_of_reference)].join('\t');
}

/** `fractal-atlas annotate --expression`: raw counts of an .h5ad → four-level calls (TSV), through a built index. */
export const annotateCommand: Command = {
  name: 'annotate',
  summary: 'raw counts (.h5ad or 10x folder) → four-level calls (TSV) against a built index, with its encoder',
  usage: [
    'usage: fractal-atlas annotate --expression --in counts.h5ad --index DIR --adapter FILE --encoder FILE --out calls.tsv [options]',
    '',
    "  --expression           the input is raw counts (layers['counts'], or X with --matrix X); required for now",
    '  --in FILE|DIR          AnnData .h5ad (read in row blocks) or a 10x matrix folder',
    '  --index DIR            index folder built with --encoder',
    '  --adapter FILE         the adapter the index was built with (or identity)',
    '  --encoder FILE         the encoder the index was built with (sha256 checked)',
    '  --out FILE             TSV: cell_id, per level label and confidence (hierarchy-consistent call), nearest_distance, out_of_reference',
    "  --matrix counts|X      where the raw counts are (default counts = layers['counts'])",
    '  --gene-column NAME     var column with gene symbols (default: the var index; CELLxGENE: feature_name)',
    `  --min-gene-overlap N   (default ${DEFAULT_MIN_GENE_OVERLAP})`,
    '  --k N                  neighbours per level (default 50)',
    '  --workers N            worker threads (default 2)',
  ].join('\n'),
  options: {
    expression: { type: 'boolean' },
    in: { type: 'string' },
    index: { type: 'string' },
    adapter: { type: 'string' },
    encoder: { type: 'string' },
    out: { type: 'string' },
    matrix: { type: 'string' },
    'gene-column': { type: 'string' },
    'min-gene-overlap': { type: 'string' },
    k: { type: 'string' },
    workers: { type: 'string' },
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `annotate: unexpected argument ${JSON.stringify(positionals[0])}`);
    if (values.expression !== true) throw new AtlasError('invalid_argument', 'annotate: --expression is required (this command annotates raw counts; embeddings go to POST /v1/annotate)');
    const matrix = (values.matrix ?? 'counts') as CountsMatrix;
    const matrixGiven = values.matrix !== undefined;
    if (matrix !== 'counts' && matrix !== 'X') throw new AtlasError('invalid_argument', `--matrix must be counts or X, got ${JSON.stringify(values.matrix)}`);
    const out = resolve(requireString(values, 'out', 'annotate'));
    const k = readInt(values, 'k', 50, 1, 1000);
    const minOverlap = readInt(values, 'min-gene-overlap', DEFAULT_MIN_GENE_OVERLAP, 1);
    const service = await openAtlasIndex(requireString(values, 'index', 'annotate'), {
      adapterPath: requireString(values, 'adapter', 'annotate'),
      encoderPath: requireString(values, 'encoder', 'annotate'),
      workers: readInt(values, 'workers', 2, 0, 64),
    });
    try {
      const counts = await openCounts(requireString(values, 'in', 'annotate'), { matrix: matrixGiven ? matrix : undefined, geneColumn: typeof values['gene-column'] === 'string' ? values['gene-column'] : undefined });
      try {
        const match = matchGenes(service.expression!.genes, counts.genes, 'invalid_input', 'var');
        requireGeneOverlap(match, minOverlap);
        io.stdout.write(`${counts.path}: ${counts.numCells} cells, ${counts.matrix}; ${match.matched} of the encoder's ${match.numModelGenes} genes present\n`);
        const ids = (await counts.cellIds()) ?? Array.from({ length: counts.numCells }, (_, i) => String(i));
        const file = createWriteStream(out);
        const progress = createProgress('annotate', counts.numCells);
        try {
          file.write(['cell_id', ...LEVEL_COLUMNS.flatMap((c) => [c, `${c}_confidence`]), 'nearest_distance', 'out_of_reference'].join('\t') + '\n');
          for await (const block of counts.blocks(DEFAULT_ENCODER_BATCH * 4)) {
            const aligned = alignCsrRows(block, match, 'invalid_input', (r) => `${counts.matrix} row ${block.start + r}`);
            const result = await service.annotate({ expression: aligned, n: block.n, k, weighting: 'uniform' });
            const text = result.cells.map((cell, i) => callLine(ids[block.start + i]!, cell)).join('\n') + '\n';
            if (!file.write(text)) await once(file, 'drain');
            progress.increment(block.n);
          }
          file.end();
          await once(file, 'finish');
        } catch (err) {
          file.destroy();
          await rm(out, { force: true });
          throw err;
        } finally {
          progress.stop();
        }
        io.stdout.write(`wrote ${out}: ${counts.numCells} cells\n`);
      } finally {
        counts.close();
      }
    } finally {
      await service.close();
    }
  },
};
