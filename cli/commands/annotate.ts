import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { once } from 'node:events';
import { AtlasError, LEVEL_COLUMNS, createProgress } from '../../common/index.js';
import { alignCsrRows, DEFAULT_ENCODER_BATCH, matchGenes, requireGeneOverlap } from '../../adapter/index.js';
import { openCounts } from '../../atlas/index.js';
import { openAtlasIndex, type CellAnnotation } from '../../search/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';
import { COUNTS_OPTIONS } from '../shared-options.js';

/** One TSV line of a cell's calls: id, per level the consistent label and its confidence, nearest distance, out of reference. */
function callLine(id: string, cell: CellAnnotation): string {
  const levels = LEVEL_COLUMNS.flatMap((c) => {
    const v = cell.consistent[c];
    return v ? [v.label, v.confidence.toFixed(4)] : ['', ''];
  });
  return [id, ...levels, cell.nearest_distance === null ? '' : cell.nearest_distance.toFixed(6), String(cell.out_of_reference)].join('\t');
}

/** `fractal-atlas annotate --expression`: raw counts of an .h5ad → four-level calls (TSV), through a built index. */
export const annotateCommand = defineCommand({
  name: 'annotate',
  summary: 'raw counts (.h5ad or 10x folder) → four-level calls (TSV) against a built index, with its encoder',
  synopsis: ['--expression --in counts.h5ad --index DIR --adapter FILE --encoder FILE --out calls.tsv [options]'],
  options: {
    expression: option.flag("the input is raw counts (layers['counts'], or X with --matrix X); required for now"),
    in: option.required('FILE|DIR', 'AnnData .h5ad (read in row blocks) or a 10x matrix folder'),
    index: option.required('DIR', 'index folder built with --encoder'),
    adapter: option.required('FILE', 'the adapter the index was built with (or identity)'),
    encoder: option.required('FILE', 'the encoder the index was built with (sha256 checked)'),
    out: option.required('FILE', 'TSV: cell_id, per level label and confidence (hierarchy-consistent call), nearest_distance, out_of_reference'),
    ...COUNTS_OPTIONS,
    k: option.int('N', 'neighbours per level (default 50)', { fallback: 50, min: 1, max: 1000 }),
    workers: option.int('N', 'worker threads (default 2)', { fallback: 2, min: 0, max: 64 }),
  },
  async run(o, io) {
    if (!o.expression) throw new AtlasError('invalid_argument', 'annotate: --expression is required (this command annotates raw counts; embeddings go to POST /v1/annotate)');
    const out = resolve(o.out);
    const k = o.k;
    const minOverlap = o['min-gene-overlap'];
    const service = await openAtlasIndex(o.index, { adapterPath: o.adapter, encoderPath: o.encoder, workers: o.workers });
    try {
      const counts = await openCounts(o.in, { matrix: o.matrix, geneColumn: o['gene-column'] });
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
});
