import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createProgress, LEVEL_COLUMNS } from '../../common/index.js';
import { openAtlas } from '../../atlas/index.js';
import { writeTrainingSet, type TrainingSetResult } from '../../adapter/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';

/** Default rows exported, as the seed's trainer (--max-samples 100,000). */
export const DEFAULT_MAX_SAMPLES = 100_000;

/** Streams the first `maxSamples` rows (0 = all) of an atlas into a training bundle folder. */
export async function exportTrainingSet(input: string, out: string, maxSamples: number): Promise<TrainingSetResult> {
  const atlas = await openAtlas(input);
  const total = maxSamples === 0 ? atlas.numRows : Math.min(maxSamples, atlas.numRows);
  const progress = createProgress('export-training-set', total);
  let last = 0;
  // Written into a temp folder beside `out` and renamed into place when complete: a failure (a full disk)
  // leaves no partial bundle, and an existing bundle stays as it was.
  const target = resolve(out);
  const tmp = join(dirname(target), `.${basename(target)}.export-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const result = await writeTrainingSet(atlas.batches(), tmp, {
      levelColumns: LEVEL_COLUMNS,
      maxSamples,
      source: input,
      onProgress: (rows) => {
        progress.increment(rows - last);
        last = rows;
      },
    });
    if (existsSync(target)) await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
    return { ...result, dir: target };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    progress.stop();
  }
}

/** `fractal-atlas export-training-set`: an atlas's first N rows as .npy + JSON for the Python trainer. */
export const exportTrainingSetCommand = defineCommand({
  name: 'export-training-set',
  summary: 'write the first N atlas rows as a training bundle (.npy + JSON) for the adapter trainer',
  synopsis: ['--in ATLAS --out DIR [--max-samples N]'],
  options: {
    in: option.required('FILE', 'atlas Parquet file (stratified, so that any first N rows are balanced)'),
    out: option.required('DIR', ['bundle folder: embeddings.npy (float32), labels.npy (int32 codes), bundle.json', '(level columns, sorted vocabularies, fingerprint)']),
    'max-samples': option.int('N', `rows to export from the start (default ${DEFAULT_MAX_SAMPLES.toLocaleString('en')}; 0 = all)`, { fallback: DEFAULT_MAX_SAMPLES, min: 0, max: Number.MAX_SAFE_INTEGER }),
  },
  async run(o, io) {
    const r = await exportTrainingSet(o.in, o.out, o['max-samples']);
    io.stdout.write(
      `wrote ${r.numRows.toLocaleString('en')} cells × ${r.dim} dims to ${o.out}\n` +
        r.levelColumns.map((c, l) => `  ${c}: ${r.vocabularies[l].length} classes\n`).join('') +
        `  fingerprint ${r.fingerprint}\n`,
    );
  },
});
