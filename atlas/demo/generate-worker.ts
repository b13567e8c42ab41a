/**
 * Worker thread of {@link writeDemoAtlas}: builds the same model from (types, seed, params) and generates the
 * chunks it is asked for, handing back the typed arrays (transferred, not copied). The main thread keeps
 * the strings (dictionaries, cell ids) and the Parquet writer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { LEVEL_COLUMNS } from '../../common/index.js';
import type { DemoCellType } from './cell-types.js';
import { createDemoGenerator } from './generate.js';
import { createDemoModel, type DemoModelParams } from './model.js';

/** What the main thread sends once, at start. */
export interface DemoWorkerData {
  readonly types: readonly DemoCellType[];
  readonly seed: number;
  readonly params?: Partial<DemoModelParams>;
}

/** A chunk request and its answer. */
export interface DemoWorkerRequest {
  readonly id: number;
  readonly start: number;
  readonly count: number;
}
export interface DemoWorkerReply {
  readonly id: number;
  readonly embeddings: Float32Array;
  /** Level codes in LEVEL_COLUMNS order, then cl_id codes. */
  readonly codes: Int32Array[];
}

const data = workerData as DemoWorkerData;
const model = createDemoModel(data.types, data.seed, data.params);
parentPort!.on('message', (req: DemoWorkerRequest) => {
  const { batch } = createDemoGenerator(model, req.start).next(req.count);
  const codes = [...LEVEL_COLUMNS.map((c) => batch.levels[c].codes), batch.clIds.codes];
  const reply: DemoWorkerReply = { id: req.id, embeddings: batch.embeddings, codes };
  parentPort!.postMessage(reply, [batch.embeddings.buffer as ArrayBuffer, ...codes.map((c) => c.buffer as ArrayBuffer)]);
});
