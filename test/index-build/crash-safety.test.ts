import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { IDENTITY_ADAPTER } from '../../adapter/index.js';
import { buildAtlasIndex } from '../../index-build/index.js';
import { openAtlasIndex } from '../../search/index.js';
import { createFakeAdapter, writeFakeAdapterFile, writeSyntheticAtlas, type SyntheticAtlas } from '../search/fixtures.js';

const CLI_ENTRY = fileURLToPath(new URL('../../cli/run.js', import.meta.url));

let atlas: SyntheticAtlas;

before(async () => {
  // Large enough that the build is still running when it is killed.
  atlas = await writeSyntheticAtlas(1500, 2000);
});

after(async () => {
  await atlas?.cleanup();
});

const temps = async (name: string) => (await readdir(atlas.dir)).filter((f) => f.startsWith(`.${name}.build-`));

test('a build aborted midway removes its temp folder and leaves no index', async () => {
  const adapterPath = await writeFakeAdapterFile(atlas.dir);
  const adapter = createFakeAdapter();
  const controller = new AbortController();
  const embed = adapter.embed;
  adapter.embed = async (x, n) => {
    if (adapter.calls === 3) controller.abort();
    return embed(x, n);
  };
  const out = join(atlas.dir, 'aborted');
  await assert.rejects(buildAtlasIndex({ referencePath: atlas.path, adapterPath, outDir: out, signal: controller.signal }, { adapter }), /aborted/);
  await assert.rejects(stat(out));
  assert.deepEqual(await temps('aborted'), []);
  await assert.rejects(openAtlasIndex(out, { adapterPath, workers: 0 }), (e) => isAtlasError(e, 'file_not_found'));
});

test('a build killed with SIGKILL leaves nothing that openAtlasIndex accepts', async () => {
  const out = join(atlas.dir, 'killed');
  const child = spawn(process.execPath, [CLI_ENTRY, 'build', '--reference', atlas.path, '--adapter', IDENTITY_ADAPTER, '--out', out, '--threads', '1'], { stdio: 'ignore' });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // Kill as soon as the temp folder has vector data in it (mid pass 1 or 2).
  let killed = false;
  for (let i = 0; i < 4000 && !killed; i++) {
    const t = await temps('killed');
    if (t.length > 0) {
      const files = await readdir(join(atlas.dir, t[0]!)).catch(() => [] as string[]);
      if (files.includes('vectors.f32')) {
        child.kill('SIGKILL');
        killed = true;
      }
    }
    if (!killed) await new Promise((r) => setTimeout(r, 2));
  }
  await exited;
  assert.ok(killed, 'the build finished before it could be killed');
  await assert.rejects(stat(out));
  await assert.rejects(openAtlasIndex(out, { adapterPath: IDENTITY_ADAPTER, workers: 0 }), (e) => isAtlasError(e, 'file_not_found'));
  const left = await temps('killed');
  assert.equal(left.length, 1);
  await assert.rejects(openAtlasIndex(join(atlas.dir, left[0]!), { adapterPath: IDENTITY_ADAPTER, workers: 0 }), (e) => isAtlasError(e, 'index_mismatch'));
  // The next build of the same target removes the dead build's temp folder.
  const small = await writeSyntheticAtlas(5, 64);
  try {
    await buildAtlasIndex({ referencePath: small.path, adapterPath: IDENTITY_ADAPTER, outDir: out, threads: 1 });
    assert.deepEqual(await temps('killed'), []);
    const svc = await openAtlasIndex(out, { adapterPath: IDENTITY_ADAPTER, workers: 0 });
    assert.equal(svc.manifest.numCells, 80);
    await svc.close();
  } finally {
    await small.cleanup();
  }
});
