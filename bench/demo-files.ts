/**
 * Demo atlas files for the index-backed benchmarks: one generator stream split into a reference file (the
 * first N cells, indexed) and a held-out file (the next Q cells, the queries), so both share one model.
 */
import { projectPath } from '../common/index.js';
import { createAtlasWriter } from '../atlas/index.js';
import { createDemoGenerator, createDemoModel, loadCellTypeTable } from '../atlas/demo/index.js';

/** Writes `reference` (n cells) and `heldOut` (q cells) from one demo stream of `seed`. */
export async function writeSplitDemoAtlas(reference: string, heldOut: string, n: number, q: number, seed: number): Promise<{ dim: number }> {
  const types = await loadCellTypeTable(projectPath('data', 'demo-cell-types.tsv'));
  const model = createDemoModel(types, seed);
  const gen = createDemoGenerator(model);
  const chunk = 32_768;
  for (const [path, count] of [[reference, n], [heldOut, q]] as const) {
    const writer = await createAtlasWriter(path, { dim: model.dim });
    for (let done = 0; done < count; done += chunk) await writer.write(gen.next(Math.min(chunk, count - done)).batch);
    await writer.close();
  }
  return { dim: model.dim };
}
