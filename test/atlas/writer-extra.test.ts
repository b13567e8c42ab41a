import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { createAtlasWriter, openAtlas } from '../../atlas/index.js';

const dir = mkdtempSync(join(tmpdir(), 'fa-writer-extra-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('one column object reused for every level (and as an extra column) writes and reads back', async () => {
  const path = join(dir, 'shared.parquet');
  const col = { codes: new Int32Array([0, 1, 0]), dictionary: ['B cell', 'T cell'] };
  const w = await createAtlasWriter(path, { dim: 2, extraColumns: ['donor'] });
  await w.write({ numRows: 3, dim: 2, embeddings: new Float32Array(6), levels: { level1_system: col, level2_lineage: col, level3_type: col, level4_subtype: col }, extra: { donor: col } });
  await w.close();
  const r = await openAtlas(path);
  const b = await r.readRowGroup(0);
  assert.deepEqual(Array.from(b.levels.level3_type.codes, (c) => b.levels.level3_type.dictionary[c]), ['B cell', 'T cell', 'B cell']);
  const extra = await r.readRowGroupExtra(0, ['donor']);
  assert.deepEqual(Array.from(extra.donor!.codes, (c) => extra.donor!.dictionary[c]), ['B cell', 'T cell', 'B cell']);
  await assert.rejects(r.readRowGroupExtra(0, ['tissue']), (e) => isAtlasError(e, 'invalid_argument'));
});

test('extra columns: reserved or repeated names are refused, and every batch must carry them', async () => {
  await assert.rejects(createAtlasWriter(join(dir, 'a.parquet'), { dim: 2, extraColumns: ['cell_id'] }), (e) => isAtlasError(e, 'invalid_argument'));
  await assert.rejects(createAtlasWriter(join(dir, 'b.parquet'), { dim: 2, extraColumns: ['donor', 'donor'] }), (e) => isAtlasError(e, 'invalid_argument'));
  const w = await createAtlasWriter(join(dir, 'c.parquet'), { dim: 2, extraColumns: ['donor'] });
  const col = () => ({ codes: new Int32Array([0]), dictionary: ['x'] });
  await assert.rejects(w.write({ numRows: 1, dim: 2, embeddings: new Float32Array(2), levels: { level1_system: col(), level2_lineage: col(), level3_type: col(), level4_subtype: col() } }), (e) => isAtlasError(e, 'invalid_argument') && /lacks extra column donor/.test((e as Error).message));
  await w.abort();
});
