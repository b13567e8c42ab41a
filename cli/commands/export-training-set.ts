import { AtlasError, createProgress } from '../../common/index.js';
import { LEVEL_COLUMNS, openAtlas } from '../../atlas/index.js';
import { writeTrainingSet, type TrainingSetResult } from '../../adapter/index.js';
import { readInt, requireString, type Command } from '../command.js';

/** Default rows exported, as the seed's trainer (--max-samples 100,000). */
export const DEFAULT_MAX_SAMPLES = 100_000;

/** Streams the first `maxSamples` rows (0 = all) of an atlas into a training bundle folder. */
export async function exportTrainingSet(input: string, out: string, maxSamples: number): Promise<TrainingSetResult> {
  const atlas = await openAtlas(input);
  const total = maxSamples === 0 ? atlas.numRows : Math.min(maxSamples, atlas.numRows);
  const progress = createProgress('export-training-set', total);
  let last = 0;
  try {
    return await writeTrainingSet(atlas.batches(), out, {
      levelColumns: LEVEL_COLUMNS,
      maxSamples,
      source: input,
      onProgress: (rows) => {
        progress.increment(rows - last);
        last = rows;
      },
    });
  } finally {
    progress.stop();
  }
}

/** `fractal-atlas export-training-set`: an atlas's first N rows as .npy + JSON for the Python trainer. */
export const exportTrainingSetCommand: Command = {
  name: 'export-training-set',
  summary: 'write the first N atlas rows as a training bundle (.npy + JSON) for the adapter trainer',
  usage: [
    'usage: fractal-atlas export-training-set --in ATLAS --out DIR [--max-samples N]',
    '',
    '  --in FILE           atlas Parquet file (stratified, so that any first N rows are balanced)',
    '  --out DIR           bundle folder: embeddings.npy (float32), labels.npy (int32 codes), bundle.json',
    '                      (level columns, sorted vocabularies, fingerprint)',
    `  --max-samples N     rows to export from the start (default ${DEFAULT_MAX_SAMPLES.toLocaleString('en')}; 0 = all)`,
  ].join('\n'),
  options: {
    in: { type: 'string' },
    out: { type: 'string' },
    'max-samples': { type: 'string' },
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `export-training-set: unexpected argument ${JSON.stringify(positionals[0])}`);
    const input = requireString(values, 'in', 'export-training-set');
    const out = requireString(values, 'out', 'export-training-set');
    const maxSamples = readInt(values, 'max-samples', DEFAULT_MAX_SAMPLES, 0);
    const r = await exportTrainingSet(input, out, maxSamples);
    io.stdout.write(
      `wrote ${r.numRows.toLocaleString('en')} cells × ${r.dim} dims to ${out}\n` +
        r.levelColumns.map((c, l) => `  ${c}: ${r.vocabularies[l].length} classes\n`).join('') +
        `  fingerprint ${r.fingerprint}\n`,
    );
  },
};
