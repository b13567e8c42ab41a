/** The "Your own data" path as a user runs it: import (.h5ad, .npy + TSV, CSV) → build → serve → annotate. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeNpy } from '../../adapter/index.js';
import { openAtlas } from '../../atlas/index.js';
import { SHARED_OBO_PATH, projectPath } from '../../common/index.js';
import { openAtlasIndex } from '../../search/index.js';
import { SILENT_LOGGER, startServer } from '../../server/index.js';
import { runCliInProcess } from '../support/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'fa-own-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const LABELS = ['T cell', 'B cell', 'natural killer cell', 'classical monocyte'];
const N = 40;
const D = 6;

async function cli(args: string[]) {
  const r = await runCliInProcess(args);
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** Cell i: type i % 4, a distinct corner of the space plus a little per-cell offset. */
function vector(i: number): number[] {
  return Array.from({ length: D }, (_, k) => (k === i % 4 ? 5 : 0) + ((i * 7 + k) % 5) * 0.01);
}

/** Serves an index on a free port (what `serve --index DIR --adapter identity` opens), annotates `cells`, stops it. */
async function annotateWith(indexDir: string, cells: number[][]): Promise<string[]> {
  const server = await startServer(await openAtlasIndex(indexDir, { adapterPath: 'identity', workers: 0 }), { port: 0, handleSignals: false, logger: SILENT_LOGGER });
  try {
    const res = await fetch(`${server.url}/v1/annotate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ embeddings: cells, k: 5 }) });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { cells: { levels: Record<string, { label: string }> }[] };
    return body.cells.map((c) => c.levels.level4_subtype!.label);
  } finally {
    await server.close();
  }
}

test('an .h5ad (committed, anndata-written), an .npy + TSV and a CSV each import, build and serve', { skip: !existsSync(SHARED_OBO_PATH) && 'no shared cl-basic.obo' }, async () => {
  const values = Array.from({ length: N }, (_, i) => vector(i));
  await writeNpy(join(dir, 'emb.npy'), new Float32Array(values.flat()), [N, D]);
  writeFileSync(join(dir, 'cells.tsv'), ['cell_type', ...Array.from({ length: N }, (_, i) => LABELS[i % 4])].join('\n'));
  writeFileSync(join(dir, 'cells.csv'), ['cell_type,embedding', ...values.map((v, i) => `${LABELS[i % 4]},"[${v.join(', ')}]"`)].join('\n'));
  const inputs: [string, string[]][] = [
    ['h5ad', ['--in', projectPath('test', 'fixtures', 'anndata-legacy.h5ad'), '--obsm', 'X_pca']],
    ['npy', ['--in', join(dir, 'emb.npy'), '--labels', join(dir, 'cells.tsv')]],
    ['csv', ['--in', join(dir, 'cells.csv')]],
  ];
  for (const [name, args] of inputs) {
    const atlas = join(dir, `${name}.parquet`);
    await cli(['import', ...args, '--label-column', 'cell_type', '--obo', SHARED_OBO_PATH, '--out', atlas]);
    const index = join(dir, `${name}-index`);
    await cli(['build', '--reference', atlas, '--adapter', 'identity', '--out', index, '--threads', '1', '--no-map']);
    if (name === 'h5ad') continue; // its vectors are the fixture's; the others are checked for calls below
    const calls = await annotateWith(index, [vector(1), vector(2)]);
    assert.deepEqual(calls, ['B cell', 'natural killer cell'], name);
  }
  const first = await (await openAtlas(join(dir, 'h5ad.parquet'))).readRowGroup(0);
  const h5adCalls = await annotateWith(join(dir, 'h5ad-index'), [Array.from(first.embeddings.subarray(0, first.dim))]);
  assert.equal(h5adCalls.length, 1);
  assert.ok(LABELS.includes(h5adCalls[0]!), h5adCalls[0]);
});
