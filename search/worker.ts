/** Entry of an engine worker thread: opens its own engine over the shared files and answers jobs. */
import { parentPort, workerData } from 'node:worker_threads';
import { SearchEngine, type EngineInit } from './engine.js';
import { runJob, serializeError, type JobMessage, type WorkerMessage } from './worker-protocol.js';

const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);

try {
  const engine = await SearchEngine.open(workerData as EngineInit);
  port.on('message', async (msg: JobMessage | 'close') => {
    if (msg === 'close') {
      await engine.close();
      port.close();
      return;
    }
    try {
      const result = await runJob(engine, msg.job);
      post({ type: 'result', id: msg.id, result });
    } catch (err) {
      post({ type: 'error', id: msg.id, error: serializeError(err) });
    }
  });
  post({ type: 'ready' });
} catch (err) {
  post({ type: 'failed', error: serializeError(err) });
}
