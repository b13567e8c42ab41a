import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { CellIdReader, CellIdWriter, cellIdHashBytes, hashCellId } from '../../index-files/cell-id-store.js';

test('cell ids round-trip through the on-disk hash table, unicode and the empty id included', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fa-ids-'));
  try {
    const paths = { ids: join(dir, 'ids'), offsets: join(dir, 'off'), hash: join(dir, 'hash') };
    const ids = Array.from({ length: 5000 }, (_, i) => (i % 7 === 0 ? `zelle-ü-${i}-🧬` : `AAACCTG-${i}`));
    ids.push('');
    const w = new CellIdWriter(paths, ids.length);
    for (let s = 0; s < ids.length; s += 999) w.append(ids.slice(s, s + 999));
    w.finish();
    assert.equal((await stat(paths.hash)).size, cellIdHashBytes(ids.length));
    const r = new CellIdReader(paths, ids.length);
    try {
      for (const i of [0, 1, 7, 2401, 4999]) {
        assert.equal(r.rowOf(ids[i]!), i);
        assert.equal(r.cellId(i), ids[i]);
      }
      assert.equal(r.rowOf('AAACCTG-3'), 3);
      assert.equal(r.rowOf(''), ids.length - 1);
      assert.equal(r.rowOf('AAACCTG-5000'), -1);
      assert.equal(r.rowOf('zelle-ü-7-🧬'), 7);
      assert.equal(r.rowOf('zelle-u-7-🧬'), -1);
    } finally {
      r.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('repeated ids are refused when the hash table is written, naming one and the count', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fa-ids-'));
  try {
    const paths = { ids: join(dir, 'ids'), offsets: join(dir, 'off'), hash: join(dir, 'hash') };
    const ids = [...Array.from({ length: 300 }, (_, i) => `c-${i}`), 'c-3', 'c-250', 'c-3'];
    const w = new CellIdWriter(paths, ids.length);
    w.append(ids);
    assert.throws(() => w.finish(), (e) => isAtlasError(e, 'invalid_atlas') && /cell id "c-(3|250)" appears at rows \d+ and \d+ \(3 rows repeat an earlier id\)/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the hash is deterministic, 53-bit and spreads similar ids', () => {
  assert.equal(hashCellId('cell-1'), hashCellId('cell-1'));
  const hs = new Set(Array.from({ length: 10000 }, (_, i) => hashCellId(`cell-${i}`)));
  assert.equal(hs.size, 10000);
  for (const h of hs) assert.ok(Number.isSafeInteger(h) && h >= 0);
});
