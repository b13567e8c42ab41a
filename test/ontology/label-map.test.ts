import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isAtlasError } from '../../common/index.js';
import { parseClId, parseLabelMap, readLabelMap } from '../../ontology/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'fractal-atlas-label-map-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('parseLabelMap: two tab-separated columns, comments and blank lines skipped, columns trimmed', () => {
  const map = parseLabelMap('\ufeff# label\ttarget\nCD14+ Monocyte\tCL:0000860\r\n\n  CD56+ NK \t natural killer cell \nB\tCL_0000236\nB\tCL_0000236\n', 'm.tsv');
  assert.deepEqual([...map], [
    ['CD14+ Monocyte', 'CL:0000860'],
    ['CD56+ NK', 'natural killer cell'],
    ['B', 'CL_0000236'],
  ]);
});

test('parseLabelMap: malformed lines name the file and line', () => {
  const cases: [string, RegExp][] = [
    ['a\tb\nonly one column\n', /^label map m\.tsv line 2: expected 2 tab-separated columns \(atlas label, CL id or name\), got 1$/],
    ['a\tb\tc\n', /line 1: expected 2 tab-separated columns .*got 3$/],
    ['\tCL:0000860\n', /line 1: the label is empty$/],
    ['a\t  \n', /line 1: the CL id or name is empty$/],
    ['a\tCL:0000860\na\tCL:0000236\n', /line 2: "a" is already mapped to "CL:0000860" on line 1$/],
    ['# nothing\n\n', /^label map m\.tsv has no mappings$/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseLabelMap(text, 'm.tsv'), (e) => isAtlasError(e, 'invalid_argument') && re.test(e.message), text);
  }
});

test('readLabelMap reads a file; a missing file is file_not_found', async () => {
  const p = join(tmp, 'map.tsv');
  writeFileSync(p, 'Mono\tclassical monocyte\n');
  assert.deepEqual([...(await readLabelMap(p))], [['Mono', 'classical monocyte']]);
  await assert.rejects(readLabelMap(join(tmp, 'missing.tsv')), (e) => isAtlasError(e, 'file_not_found'));
});

test('parseClId accepts CL:, CL_ and the purl IRI, nothing else', () => {
  for (const s of ['CL:0000860', 'CL_0000860', 'http://purl.obolibrary.org/obo/CL_0000860', ' cl:0000860 ']) assert.equal(parseClId(s), 'CL:0000860', s);
  for (const s of ['CL:000086', 'CL:00008600', 'UBERON:0000860', 'http://example.org/CL_0000860', 'classical monocyte']) assert.equal(parseClId(s), undefined, s);
});
