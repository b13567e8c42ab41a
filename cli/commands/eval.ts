import { AtlasError } from '../../common/index.js';
import { formatFractalTable, formatIndexEvaluation, runEvaluation, runIndexEvaluation } from '../../eval/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';

/** `fractal-atlas eval`: the seed's accuracy table, exact or against a built index. */
export const evalCommand = defineCommand({
  name: 'eval',
  summary: 'k-NN accuracy, macro-F1, silhouette and steerability of original vs fractal embeddings',
  synopsis: ['--reference ATLAS.parquet --adapter ADAPTER.onnx|identity [options]', '--index DIR --reference ATLAS.parquet [--queries HELD_OUT.parquet] [options]'],
  description: [
    'Exact mode (default): samples cells from --reference, embeds them with --adapter, and scores',
    'Original vs Fractal (full) vs Fractal (prefix j): cosine k-NN leave-one-out majority vote within the',
    'sample, accuracy and macro-F1 per trained level, silhouette of level 1, steerability',
    'S = (L1@prefix1 − L1@full) + (Leaf@full − Leaf@prefix1).',
    '',
    'Index mode (--index): annotates sampled cells against a built index, per prefix index and the original-',
    'embedding index (when built --with-original). Cells come from --queries (held out: not in the index) or',
    "else from --reference (the cells of the index: each cell's own hit is left out).",
  ],
  options: {
    reference: option.text('FILE', "atlas Parquet file to sample cells from (use held-out cells, e.g. stratify's output)"),
    adapter: option.text('PATH', [
      'fractal adapter ONNX file, or "identity". Index mode: the file the index was built with (its sha256 is',
      "checked); needed unless the index was built with identity: the manifest keeps the adapter's name and sha256, not its path",
    ]),
    index: option.text('DIR', 'index folder built by `fractal-atlas build` (index mode)'),
    queries: option.text('FILE', 'index mode: held-out atlas file to sample the query cells from'),
    samples: option.int('N', 'cells to sample (default 5000)', { fallback: 5000, min: 3, max: 1_000_000 }),
    k: option.int('N', 'neighbours of the majority vote (default 5)', { fallback: 5, min: 1, max: 1000 }),
    seed: option.int('N', 'sample seed (default 0)', { fallback: 0, min: 0, max: 2 ** 31 - 1 }),
    'no-silhouette': option.flag('skip the silhouettes (exact mode; they cost as much as the k-NN)'),
    json: option.flag('print one JSON document with every number instead of the table'),
  },
  async run(o, io) {
    const log = (line: string) => {
      if ((io.stderr as { isTTY?: boolean }).isTTY) io.stderr.write(`${line}\n`);
    };
    const { samples, k, seed } = o;
    if (o.index !== undefined) {
      const report = await runIndexEvaluation({ indexDir: o.index, referencePath: o.reference, queriesPath: o.queries, adapterPath: o.adapter, samples, k, seed, log });
      io.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatIndexEvaluation(report)}\n`);
      return;
    }
    if (o.queries !== undefined) throw new AtlasError('invalid_argument', 'eval: --queries needs --index (exact mode samples --reference)');
    if (o.reference === undefined) throw new AtlasError('invalid_argument', 'eval: --reference is required');
    if (o.adapter === undefined) throw new AtlasError('invalid_argument', 'eval: --adapter is required');
    const report = await runEvaluation({ referencePath: o.reference, adapterPath: o.adapter, samples, k, seed, log, silhouette: !o['no-silhouette'] });
    io.stdout.write(o.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatEvaluationReport(report)}\n`);
  },
});

function formatEvaluationReport(report: Awaited<ReturnType<typeof runEvaluation>>): string {
  const a = report.adapter;
  return [
    `reference ${report.reference.file}: ${report.reference.cells} cells, ${report.reference.dim} dims; sample ${report.sample.n} (seed ${report.sample.seed})`,
    `adapter ${a.file}: ${a.identity ? 'identity' : `${a.numScales} scales × ${a.scaleDim} dims`}`,
    formatFractalTable(report.table),
  ].join('\n');
}
