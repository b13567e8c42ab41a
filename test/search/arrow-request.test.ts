/** Arrow request bodies and query-string options, without a server: decoding across record batches. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Field, FixedSizeList, Float32, RecordBatch, Schema, Struct, Table, Utf8, makeData, tableToIPC, vectorFromArray } from 'apache-arrow';
import { isAtlasError } from '../../common/index.js';
import { decodeArrowBody, optionsFromQuery, sliceUtf8, utf8Column } from '../../search/index.js';

const DIM = 3;

function batch(values: number[], ids: string[]): RecordBatch {
  const n = ids.length;
  const type = new FixedSizeList(DIM, new Field('item', new Float32(), false));
  const embedding = makeData({ type, length: n, nullCount: 0, child: makeData({ type: new Float32(), length: n * DIM, nullCount: 0, data: Float32Array.from(values) }) });
  const schema = new Schema([new Field('embedding', type, false), new Field('cell_id', new Utf8(), false)]);
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children: [embedding, vectorFromArray(ids, new Utf8()).data[0]!] }));
}

test('an Arrow stream of several record batches decodes to one matrix and one id column, in order', () => {
  const body = tableToIPC(new Table([batch([1, 2, 3, 4, 5, 6], ['a', 'bé']), batch([7, 8, 9], ['ccc'])]), 'stream');
  const { matrix, cellIds } = decodeArrowBody(body);
  assert.ok(matrix);
  assert.equal(matrix.n, 3);
  assert.equal(matrix.dim, DIM);
  assert.deepEqual(Array.from(matrix.values), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const text = (c: { offsets: Int32Array; bytes: Uint8Array }) => Array.from({ length: c.offsets.length - 1 }, (_, i) => Buffer.from(c.bytes.subarray(c.offsets[i]!, c.offsets[i + 1]!)).toString('utf8'));
  assert.deepEqual(text(cellIds!), ['a', 'bé', 'ccc']);
  assert.deepEqual(text(sliceUtf8(cellIds!, 1, 3)), ['bé', 'ccc']);
  assert.deepEqual(text(sliceUtf8(utf8Column(['x', 'yy', 'zzz']), 1, 2)), ['yy']);
});

test('a body that is not an Arrow stream, or lacks the embedding column, is invalid_request', () => {
  assert.throws(() => decodeArrowBody(Buffer.from('{"embeddings": []}')), (e) => isAtlasError(e, 'invalid_request'));
  const idsOnly = tableToIPC(new Table({ cell_id: vectorFromArray(['a'], new Utf8()) }), 'stream');
  assert.throws(() => decodeArrowBody(idsOnly), (e) => isAtlasError(e, 'invalid_request') && /no embedding column/.test(e.message));
});

test('query-string options: numbers and booleans typed, filter parsed as JSON, repeats and body fields refused', () => {
  assert.deepEqual(optionsFromQuery(new URLSearchParams('k=50&weighting=distance&min_confidence=.5&centroid=true&level=type&filter={"include":{"system":["Immune"]}}')), {
    k: 50,
    weighting: 'distance',
    min_confidence: 0.5,
    centroid: true,
    level: 'type',
    filter: { include: { system: ['Immune'] } },
  });
  // A string that merely starts like a number stays a string (the schema then says what k must be).
  assert.deepEqual(optionsFromQuery(new URLSearchParams('k=5x')), { k: '5x' });
  assert.throws(() => optionsFromQuery(new URLSearchParams('k=1&k=2')), (e) => isAtlasError(e, 'invalid_request'));
  assert.throws(() => optionsFromQuery(new URLSearchParams('embeddings=1')), (e) => isAtlasError(e, 'invalid_request'));
  assert.throws(() => optionsFromQuery(new URLSearchParams('filter={bad')), (e) => isAtlasError(e, 'invalid_json'));
});
