import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { describeFailure } from '../../cli/main.js';
import { writeSyntheticAtlas, type SyntheticAtlas } from '../search/fixtures.js';
import { runCliInProcess } from '../support/run-cli.js';
let atlas: SyntheticAtlas;
const root = mkdtempSync(join(tmpdir(), 'cli-failures-'));
const disk = join(root, 'full');
let mounted = false;

before(async () => {
  atlas = await writeSyntheticAtlas(10, 64);
  mkdirSync(disk);
  // An 8 KiB tmpfs is a full disk for every command (root only; skipped with a reason elsewhere).
  mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', disk]).status === 0;
});

after(async () => {
  // The commands must not hold a descriptor on the full disk: otherwise the unmount (and this test) fails.
  if (mounted) assert.equal(spawnSync('umount', [disk]).status, 0, 'a file on the full disk is still open');
  rmSync(root, { recursive: true, force: true });
  await atlas?.cleanup();
});

const cli = (...args: string[]) => runCliInProcess(args);

test('an errno failure is one line in words, with no stack', () => {
  const enospc = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', errno: -28 });
  assert.equal(describeFailure(enospc), 'no space left on the device while writing [ENOSPC]; free some space or write elsewhere, nothing partial was kept');
  const other = new TypeError('Failed to serialize into stream\n    at Index.save');
  assert.equal(describeFailure(other), 'unexpected error: Failed to serialize into stream (FRACTAL_ATLAS_DEBUG=1 prints the stack)');
});

test('a full disk: build, stratify and export-training-set fail in one line with exit 1 and leave nothing behind', async (t) => {
  if (!mounted) {
    t.skip('cannot mount a tmpfs here (needs root): the full-disk runs are skipped');
    return;
  }
  const runs = [
    ['build', '--reference', atlas.path, '--adapter', 'identity', '--out', join(disk, 'idx'), '--threads', '1'],
    ['stratify', '--in', atlas.path, '--out', join(disk, 'strat.parquet')],
    ['export-training-set', '--in', atlas.path, '--out', join(disk, 'bundle')],
  ];
  for (const args of runs) {
    const r = await cli(...args);
    assert.equal(r.status, 1, `${args[0]}: ${r.stderr}`);
    assert.match(r.stderr, /^fractal-atlas: [^\n]*(no space left on the device|disk full)[^\n]*\n$/, args[0]);
    assert.deepEqual(readdirSync(disk), [], `${args[0]} left files behind`);
  }
});

test('--api-key with a space, a control or a non-ASCII character is refused at start, saying why', async () => {
  for (const [key, why] of [['my key', 'a space'], ['tab\tkey', 'a control character'], ['clé', 'a non-ASCII character']] as const) {
    const r = await cli('serve', '--index', join(root, 'none'), '--adapter', 'identity', '--api-key', key);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^fractal-atlas: serve: --api-key \\(or FRACTAL_ATLAS_API_KEY\\) contains ${why} at position \\d+; a bearer token may only use printable ASCII`));
  }
});
