/**
 * The server under test of the HTTP benchmark, in its own process so that the load generator never shares
 * its event loop: opens an index, listens on 127.0.0.1 at a free port and reports the URL over IPC.
 *
 *   (forked by http-bench.ts) node http-server-child.js INDEX_DIR ADAPTER WORKERS
 */
import { openAtlasIndex } from '../search/index.js';
import { SILENT_LOGGER, startServer } from '../server/index.js';

const [indexDir, adapterPath, workers] = process.argv.slice(2);
if (!indexDir || !adapterPath || !process.send) {
  process.stderr.write('usage: (forked with IPC) node http-server-child.js INDEX_DIR ADAPTER WORKERS\n');
  process.exit(2);
}
const service = await openAtlasIndex(indexDir, { adapterPath, workers: Number(workers ?? 2), threadsPerWorker: 1 });
const running = await startServer(service, { port: 0, host: '127.0.0.1', handleSignals: false, logger: SILENT_LOGGER });
process.send({ url: running.url });
process.on('message', (msg) => {
  if (msg === 'stop') void running.close().then(() => process.exit(0));
});
// The parent died without saying stop: do not linger.
process.on('disconnect', () => void running.close().then(() => process.exit(0)));
