/** Entry of the body worker: decodes and validates big request bodies off the main thread. */
import { parentPort, workerData } from 'node:worker_threads';
import { AtlasError } from '../common/index.js';
import type { IndexManifest } from '../index-files/index.js';
import type { ExpressionLimits } from '../search/index.js';
import type { ServerLimits } from './limits.js';
import { createBodySchemas, decodeBody, decodedTransfer, type DecodeRequest } from './request-decode.js';

const { manifest, limits, expression } = workerData as { manifest: IndexManifest; limits: ServerLimits; expression?: ExpressionLimits };
const schemas = createBodySchemas(manifest, limits, expression);
const port = parentPort!;

port.on('message', (msg: { id: number; request: DecodeRequest }) => {
  try {
    const decoded = decodeBody(schemas, msg.request);
    port.postMessage({ id: msg.id, decoded }, decodedTransfer(decoded));
  } catch (err) {
    const error = err instanceof AtlasError ? { code: err.code, message: err.message } : { code: 'internal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
    port.postMessage({ id: msg.id, error });
  }
});
