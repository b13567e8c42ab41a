import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { NPM_START_PORT_HINT, checkPortFree } from '../../cli/port-check.js';

const CLI_ENTRY = fileURLToPath(new URL('../../cli/run.js', import.meta.url));

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
    const child = spawn(process.execPath, [CLI_ENTRY, 'start', '--port', String(taken.port), '--host', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const code = await new Promise<number | null>((r) => child.on('close', r));
    assert.equal(code, 2);
    assert.equal(stderr, `fractal-atlas: port ${taken.port} on 127.0.0.1 is already in use (${NPM_START_PORT_HINT})\n`);
    assert.match(NPM_START_PORT_HINT, /npm start -- --port N.*PORT=N npm start/);
  } finally {
    await taken.close();
  }
});
