import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { NPM_START_PORT_HINT, checkPortFree } from '../../cli/port-check.js';
import { runCliInProcess } from '../support/run-cli.js';


async function occupyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

test('checkPortFree: a taken port fails with the hint; a free one and port 0 pass', async () => {
  const taken = await occupyPort();
  try {
    await assert.rejects(checkPortFree('127.0.0.1', taken.port, 'HINT'), (e) => isAtlasError(e, 'invalid_argument') && /already in use \(HINT\)/.test((e as Error).message));
  } finally {
    await taken.close();
  }
  await checkPortFree('127.0.0.1', taken.port, 'HINT');
  await checkPortFree('127.0.0.1', 0, 'HINT');
});

test('start with a taken port stops before generating anything, naming the npm ways to pick a port', async () => {
  const taken = await occupyPort();
  try {
    const { status, stderr } = await runCliInProcess(['start', '--port', String(taken.port), '--host', '127.0.0.1']);
    assert.equal(status, 2);
    assert.equal(stderr, `fractal-atlas: port ${taken.port} on 127.0.0.1 is already in use (${NPM_START_PORT_HINT})\n`);
    assert.match(NPM_START_PORT_HINT, /npm start -- --port N.*PORT=N npm start/);
  } finally {
    await taken.close();
  }
});

test('start given a bare number (what `npm start --port 9000` passes) says how to pass the port through npm', async () => {
  const r = await runCliInProcess(['start', '9000']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'fractal-atlas: start: unexpected argument "9000" (through npm, options follow `--`: `npm start -- --port 9000` or `PORT=9000 npm start`)\n');
});
