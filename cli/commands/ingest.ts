import { DEFAULT_ROW_GROUP_SIZE, exitCleanlyOnSignals, formatSummary, ingestScimilarity } from '../../atlas/index.js';
import { DEFAULT_OBO_URL } from '../../ontology/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';
import { LABEL_OPTIONS, ONTOLOGY_OPTIONS, compressionOption, readLabelOptions } from '../shared-options.js';

/** `fractal-atlas ingest`: SCimilarity annotation reference (hnswlib + labels) → atlas Parquet file. */
export const ingestCommand = defineCommand({
  name: 'ingest',
  summary: 'SCimilarity annotation reference → 4-level atlas Parquet file',
  synopsis: ['--scimilarity-dir DIR --out atlas.parquet [--obo PATH|URL] [options]'],
  options: {
    'scimilarity-dir': option.required('DIR', ['SCimilarity model folder: annotation/labelled_kNN.bin, annotation/reference_labels.tsv,', 'label_ints.csv (the annotation folder itself is accepted too)']),
    ...ONTOLOGY_OPTIONS,
    out: option.required('FILE', 'atlas Parquet file to write (written to a temp file, renamed when complete)'),
    'row-group-size': option.int('N', `rows per Parquet row group (default ${DEFAULT_ROW_GROUP_SIZE})`, { fallback: DEFAULT_ROW_GROUP_SIZE, min: 1, max: 1 << 24 }),
    compression: compressionOption(),
    ...LABEL_OPTIONS,
  },
  notes: [
    'Streams the vectors out of the hnswlib index in reference-label order (bounded memory), attaches',
    'the 4 Cell Ontology levels to each label, and prints a summary (categories per level, cells per system).',
    'Labels may be CL names, EXACT synonyms or CL ids; unmapped labels are all listed, with suggestions, and',
    'nothing is written.',
  ],
  async run(o, io) {
    const labels = await readLabelOptions(o);
    exitCleanlyOnSignals();
    const result = await ingestScimilarity({
      scimilarityDir: o['scimilarity-dir'],
      obo: o.obo ?? DEFAULT_OBO_URL,
      cacheDir: o['cache-dir'],
      out: o.out,
      rowGroupSize: o['row-group-size'],
      compression: o.compression,
      labels,
      progress: true,
    });
    io.stdout.write(`wrote ${o.out} (dim ${result.dim})\n${formatSummary(result.summary, result.seconds)}`);
  },
});
