import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Field, FixedSizeList, Float64, Table, Utf8, makeData, tableToIPC, vectorFromArray, Vector, makeVector } from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { createAtlasWriter, openAtlas } from '../../atlas/index.js';
import { LEVEL_COLUMNS } from '../../common/index.js';
import { describeReference } from '../../cli/commands/build-checks.js';

const dir = mkdtempSync(join(tmpdir(), 'fa-build-checks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A hand-made atlas as another tool would write it: float64 vectors, plain string levels, no cl_id. */
function writeForeignAtlas(path: string, n: number, dim: number): number[] {
  const values = Array.from({ length: n * dim }, (_, i) => i / 7);
  const child = makeData({ type: new Float64(), length: n * dim, nullCount: 0, data: Float64Array.from(values) });
  const emb = makeVector(makeData({ type: new FixedSizeList(dim, new Field('item', new Float64(), false)), length: n, nullCount: 0, child }));
  const columns: Record<string, Vector> = { embedding: emb };
  for (const c of LEVEL_COLUMNS) columns[c] = vectorFromArray(Array.from({ length: n }, (_, i) => `${c}-${i % 2}`), new Utf8());
  writeFileSync(path, parquet.writeParquet(parquet.Table.fromIPCStream(tableToIPC(new Table(columns), 'stream'))));
  return values;
}

test('build checks: float64 is converted (and said), labels without cl_id get one warning unless --labels-as-is', async () => {
  const foreign = join(dir, 'foreign.parquet');
  const values = writeForeignAtlas(foreign, 6, 3);
  const reader = await openAtlas(foreign);
  assert.equal(reader.embeddingBits, 64);
  const batch = await reader.readRowGroup(0);
  assert.deepEqual(Array.from(batch.embeddings), Array.from(Float32Array.from(values)));
  const lines = await describeReference(foreign, false);
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /stores float64 embeddings; they are converted to float32/);
  assert.match(lines[1]!, /has no cl_id column, so its labels were not checked against the Cell Ontology/);
  assert.deepEqual((await describeReference(foreign, true)).length, 1);

  const own = join(dir, 'own.parquet');
  const w = await createAtlasWriter(own, { dim: 2 });
  const col = () => ({ codes: new Int32Array([0, 0]), dictionary: ['B cell'] });
  await w.write({ numRows: 2, dim: 2, embeddings: new Float32Array(4), levels: { level1_system: col(), level2_lineage: col(), level3_type: col(), level4_subtype: col() }, clIds: { codes: new Int32Array([0, 0]), dictionary: ['CL:0000236'] } });
  await w.close();
  assert.deepEqual(await describeReference(own, false), []);
});
