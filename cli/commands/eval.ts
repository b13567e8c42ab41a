import { AtlasError } from '../../common/index.js';
import { formatFractalTable, formatIndexEvaluation, runEvaluation, runIndexEvaluation } from '../../eval/index.js';
import { readInt, requireString, type Command } from '../command.js';

/** `fractal-atlas eval`: the seed's accuracy table, exact or against a built index. */
export const evalCommand: Command = {
  name: 'eval',
  summary: 'k-NN accuracy, macro-F1, silhouette and steerability of original vs fractal embeddings',
  usage: [
    'usage: fractal-atlas eval --reference ATLAS.parquet --adapter ADAPTER.onnx|identity [options]',
    '       fractal-atlas eval --index DIR --reference ATLAS.parquet [--queries HELD_OUT.parquet] [options]',
    '',
    'Exact mode (default): samples cells from --reference, embeds them with --adapter, and scores',
    'Original vs Fractal (full) vs Fractal (prefix j): cosine k-NN leave-one-out majority vote within the',
    'sample, accuracy and macro-F1 per trained level, silhouette of level 1, steerability',
    'S = (L1@prefix1 − L1@full) + (Leaf@full − Leaf@prefix1).',
    '',
    'Index mode (--index): annotates sampled cells against a built index, per prefix index and the original-',
    'embedding index (when built --with-original). Cells come from --queries (held out: not in the index) or',
    'else from --reference (the cells of the index: each cell\'s own hit is left out).',
    '',
    '  --reference FILE  atlas Parquet file to sample cells from (use held-out cells, e.g. stratify\'s output)',
    '  --adapter PATH    fractal adapter ONNX file, or "identity". Index mode: the file the index was built with',
    '                    (its sha256 is checked); needed unless the index was built with identity, since the',
    '                    manifest records the adapter\'s name and sha256, not its path',
    '  --index DIR       index folder built by `fractal-atlas build` (index mode)',
    '  --queries FILE    index mode: held-out atlas file to sample the query cells from',
    '  --samples N       cells to sample (default 5000)',
    '  --k N             neighbours of the majority vote (default 5)',
    '  --seed N          sample seed (default 0)',
    '  --no-silhouette   skip the silhouettes (exact mode; they cost as much as the k-NN)',
    '  --json            print one JSON document with every number instead of the table',
  ].join('\n'),
  options: {
    reference: { type: 'string' },
    adapter: { type: 'string' },
    index: { type: 'string' },
    queries: { type: 'string' },
    samples: { type: 'string' },
    k: { type: 'string' },
    seed: { type: 'string' },
    'no-silhouette': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `eval: unexpected argument "${positionals[0]}"`);
    const samples = readInt(values, 'samples', 5000, 3, 1_000_000);
    const k = readInt(values, 'k', 5, 1, 1000);
    const seed = readInt(values, 'seed', 0, 0, 2 ** 31 - 1);
    const json = values.json === true;
    const log = (line: string) => {
      if ((io.stderr as { isTTY?: boolean }).isTTY) io.stderr.write(`${line}\n`);
    };
    if (typeof values.index === 'string') {
      const report = await runIndexEvaluation({
        indexDir: values.index,
        referencePath: typeof values.reference === 'string' ? values.reference : undefined,
        queriesPath: typeof values.queries === 'string' ? values.queries : undefined,
        adapterPath: typeof values.adapter === 'string' ? values.adapter : undefined,
        samples, k, seed, log,
      });
      io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatIndexEvaluation(report)}\n`);
      return;
    }
    if (typeof values.queries === 'string') throw new AtlasError('invalid_argument', 'eval: --queries needs --index (exact mode samples --reference)');
    const report = await runEvaluation({
      referencePath: requireString(values, 'reference', 'eval'),
      adapterPath: requireString(values, 'adapter', 'eval'),
      samples, k, seed, log,
      silhouette: values['no-silhouette'] !== true,
    });
    io.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatEvaluationReport(report)}\n`);
  },
};

function formatEvaluationReport(report: Awaited<ReturnType<typeof runEvaluation>>): string {
  const a = report.adapter;
  return [
    `reference ${report.reference.file}: ${report.reference.cells} cells, ${report.reference.dim} dims; sample ${report.sample.n} (seed ${report.sample.seed})`,
    `adapter ${a.file}: ${a.identity ? 'identity' : `${a.numScales} scales × ${a.scaleDim} dims`}`,
    formatFractalTable(report.table),
  ].join('\n');
}
