/**
 * `serve` and `start`: argument checks through the CLI in-process; serving and SIGTERM through
 * bin/fractal-atlas.js in a child process, as a user runs it (the suite's one process-path test).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { openAtlas } from '../../atlas/index.js';
import { projectPath } from '../../common/index.js';
import { describeDemoAtlas, ensureDemoIndex } from '../../cli/commands/start.js';
import { runCliInProcess as runCli } from '../support/run-cli.js';
import { makeTempDir, removeOnnxRuntimeDebris } from '../support/temp-dir.js';
import { createDemoFixture, type DemoFixture } from './demo-fixture.js';

/** A small reference map: the map step is tested in test/index-build/map-pass.test.ts. */
const SMALL_MAP = { size: 100, epochs: 20 };

/** The installed launcher (`bin` of package.json), which loads dist/cli/run.js. */
const BIN = projectPath('bin', 'fractal-atlas.js');

let fx: DemoFixture;
before(async () => {
  fx = await createDemoFixture(600, 10, 3);
});
after(() => fx?.cleanup());

test('serve: missing options and a mismatched adapter fail with one readable line', async () => {
  const usage = await runCli(['serve', '--adapter', 'identity']);
  assert.equal(usage.status, 2);
  assert.equal(usage.stderr, 'fractal-atlas: serve: --index is required\n');
  const wrong = await runCli(['serve', '--index', fx.indexDir, '--adapter', fx.adapterPath === 'identity' ? fileURLToPath(import.meta.url) : 'identity', '--port', '0']);
  assert.equal(wrong.status, 1);
  assert.match(wrong.stderr, /^fractal-atlas: .*adapter.*\n$/);
  const port = await runCli(['serve', '--index', fx.indexDir, '--adapter', fx.adapterPath, '--port', '70000']);
  assert.equal(port.status, 2);
  assert.match(port.stderr, /--port must be an integer in \[0, 65535\]/);
  const cors = await runCli(['serve', '--index', fx.indexDir, '--adapter', fx.adapterPath, '--cors', 'app.example']);
  assert.equal(cors.status, 2);
  assert.match(cors.stderr, /--cors must be "\*" or an origin/);
});

test('serve: prints the URL, serves, and shuts down cleanly on SIGTERM (exit 0)', async () => {
  const child = spawn(process.execPath, [BIN, 'serve', '--index', fx.indexDir, '--adapter', fx.adapterPath, '--port', '0', '--workers', '1'], {
    env: { ...process.env, FRACTAL_ATLAS_API_KEY: 'cli-key' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m) resolve(m[1]!);
    });
    void exited.then((code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
  });
  assert.match(stdout, /try: curl -s -H "Authorization: Bearer \$FRACTAL_ATLAS_API_KEY"/);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/v1/info`)).status, 401, 'the key from the environment guards /v1');
  const info = await fetch(`${url}/v1/info`, { headers: { authorization: 'Bearer cli-key' } });
  assert.equal(((await info.json()) as { num_cells: number }).num_cells, 600);
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  removeOnnxRuntimeDebris(child.pid);
  assert.match(stderr, /info request method=GET path=\/v1\/info status=200/);
  assert.match(stderr, /info shutdown signal=SIGTERM/);
  assert.match(stderr, /info closed /);
});

test('start: generates, stratifies and builds the demo cache once, then reuses it', async () => {
  const cache = makeTempDir('start');
  const first = await ensureDemoIndex(cache, 'identity', { cells: 800, seed: 5, threads: 1, log: () => {}, map: SMALL_MAP });
  const manifest = join(first.indexDir, 'manifest.json');
  assert.ok(existsSync(manifest));
  const reader = await openAtlas(first.atlasPath);
  assert.equal(reader.numRows, 800);
  const before = statSync(manifest).mtimeMs;
  const second = await ensureDemoIndex(cache, 'identity', { cells: 800, seed: 5, log: () => {}, map: SMALL_MAP });
  assert.equal(second.indexDir, first.indexDir);
  assert.equal(statSync(manifest).mtimeMs, before, 'the cached index is not rebuilt');
  assert.deepEqual(
    readdirSync(cache).sort(),
    ['demo-atlas.key.json', 'demo-atlas.parquet', 'demo-index'],
    'no temp files left behind',
  );
  assert.equal(readFileSync(join(cache, 'demo-atlas.key.json'), 'utf8'), await describeDemoAtlas(800, 5));
});

test('start: a cached demo atlas from another generator, or without its key, is regenerated with its index', async () => {
  const cache = makeTempDir('start-stale');
  await ensureDemoIndex(cache, 'identity', { cells: 700, seed: 5, threads: 1, log: () => {}, map: SMALL_MAP });
  const key = join(cache, 'demo-atlas.key.json');
  const stale = JSON.parse(readFileSync(key, 'utf8')) as { generator: { version: number } };
  stale.generator.version -= 1;
  writeFileSync(key, JSON.stringify(stale));
  const lines: string[] = [];
  const again = await ensureDemoIndex(cache, 'identity', { cells: 600, seed: 5, threads: 1, log: (l) => lines.push(l), map: SMALL_MAP });
  assert.match(lines.join('\n'), /another generator, table or size.*regenerating/);
  assert.match(lines.join('\n'), /building the indexes/, 'the index of the stale atlas is rebuilt');
  assert.equal((await openAtlas(again.atlasPath)).numRows, 600);
  assert.equal(readFileSync(key, 'utf8'), await describeDemoAtlas(600, 5));
  const manifest = JSON.parse(readFileSync(join(again.indexDir, 'manifest.json'), 'utf8')) as { numCells: number };
  assert.equal(manifest.numCells, 600);

  writeFileSync(key, '');
  lines.length = 0;
  await ensureDemoIndex(cache, 'identity', { cells: 600, seed: 5, threads: 1, log: (l) => lines.push(l), map: SMALL_MAP });
  assert.match(lines.join('\n'), /regenerating/, 'a key that does not match (an older cache without one) is stale');
});

