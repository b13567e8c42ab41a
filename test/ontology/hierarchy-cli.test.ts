import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oboTest as test } from '../support/shared-obo.js';
import { SHARED_OBO_PATH } from '../../common/index.js';
import { runCliInProcess as runCli } from '../support/run-cli.js';
import { makeTempDir } from '../support/temp-dir.js';

const tmp = makeTempDir('hierarchy-cli');

function namesFile(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

test('hierarchy --json prints one JSON object name → levels and exits 0', async () => {
  const names = namesFile('ok.txt', 'classical monocyte\n\n  fibroblast  \r\nB cell, human\n');
  const r = await runCli(['hierarchy', '--obo', SHARED_OBO_PATH, '--names', names, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out), ['classical monocyte', 'fibroblast', 'B cell, human']);
  assert.deepEqual(out['classical monocyte'], {
    cl_id: 'CL:0000860',
    level1_system: 'Immune',
    level2_lineage: 'Myeloid',
    level3_type: 'monocyte',
    level4_subtype: 'classical monocyte',
  });
  assert.deepEqual(out.fibroblast, { cl_id: 'CL:0000057', level1_system: 'Stromal', level2_lineage: 'Fibroblast', level3_type: 'fibroblast', level4_subtype: 'fibroblast' });
  assert.equal(out['B cell, human'].cl_id, 'CL:0000236');
});

test('hierarchy prints a TSV table with a header by default', async () => {
  const names = namesFile('tsv.txt', 'natural killer cell\nnative cell\n');
  const r = await runCli(['hierarchy', '--obo', SHARED_OBO_PATH, '--names', names]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), [
    'name\tcl_id\tlevel1_system\tlevel2_lineage\tlevel3_type\tlevel4_subtype',
    'natural killer cell\tCL:0000623\tImmune\tInnate Lymphoid\tgroup 1 innate lymphoid cell\tnatural killer cell',
    'native cell\tCL:0000003\tOther\tOther\tnative cell\tnative cell',
  ]);
});

test('an unknown name exits non-zero with one readable line naming it', async () => {
  const names = namesFile('bad.txt', 'classical monocyte\nflux capacitor cell\n');
  const r = await runCli(['hierarchy', '--obo', SHARED_OBO_PATH, '--names', names, '--json']);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  assert.match(r.stderr, /^fractal-atlas: 1 label\(s\) could not be mapped to the Cell Ontology: "flux capacitor cell" \(no suggestion\)\n$/);
});

test('every unmapped label is listed with suggestions, on one line, and nothing is printed', async () => {
  const names = namesFile('bad2.txt', 'CD14+ monocyte\nclassical monocyte\nDendritic cells\n');
  const r = await runCli(['hierarchy', '--obo', SHARED_OBO_PATH, '--names', names]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1);
  assert.match(r.stderr, /^fractal-atlas: 2 label\(s\) could not be mapped .*"CD14\+ monocyte" \(did you mean "CD14-positive monocyte" CL:0001054, .*; "Dendritic cells" \(did you mean "dendritic cell" CL:0000451/);
});

test('--label-map and --subtype-names cl; the category counts go to stderr', async () => {
  const names = namesFile('mapped.txt', 'CD14+ Mono\nCL_0000623\nT cell, human\n');
  const map = namesFile('map.tsv', '# atlas label\tCL\nCD14+ Mono\tCL:0000860\n');
  const r = await runCli(['hierarchy', '--obo', SHARED_OBO_PATH, '--names', names, '--label-map', map]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n').slice(1), [
    'CD14+ Mono\tCL:0000860\tImmune\tMyeloid\tmonocyte\tCD14+ Mono',
    'CL_0000623\tCL:0000623\tImmune\tInnate Lymphoid\tgroup 1 innate lymphoid cell\tnatural killer cell',
    'T cell, human\tCL:0000084\tImmune\tLymphoid\tT cell\tT cell, human',
  ]);
  assert.equal(r.stderr, '3 label(s); categories per level: system 1, lineage 3, type 3, subtype 3\n');
  const cl = await runCli(['hierarchy', '--obo', SHARED_OBO_PATH, '--names', names, '--label-map', map, '--subtype-names', 'cl', '--json']);
  assert.equal(cl.status, 0, cl.stderr);
  const out = JSON.parse(cl.stdout);
  assert.deepEqual(Object.values(out).map((r) => (r as { level4_subtype: string }).level4_subtype), ['classical monocyte', 'natural killer cell', 'T cell']);
  const bad = await runCli(['hierarchy', '--obo', SHARED_OBO_PATH, '--names', names, '--subtype-names', 'ontology']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^fractal-atlas: hierarchy: --subtype-names must be one of label, cl, got "ontology"\n$/);
  const badMap = await runCli(['hierarchy', '--obo', SHARED_OBO_PATH, '--names', names, '--label-map', namesFile('bad-map.tsv', 'CD14+ Mono\n')]);
  assert.equal(badMap.status, 2);
  assert.match(badMap.stderr, /^fractal-atlas: label map .*bad-map\.tsv line 1: expected 2 tab-separated columns/);
});

test('usage errors: missing --names, missing OBO file', async () => {
  const noNames = await runCli(['hierarchy', '--obo', SHARED_OBO_PATH]);
  assert.equal(noNames.status, 2);
  assert.match(noNames.stderr, /^fractal-atlas: hierarchy: --names is required\n$/);
  const names = namesFile('one.txt', 'fibroblast\n');
  const noObo = await runCli(['hierarchy', '--obo', join(tmp, 'missing.obo'), '--names', names]);
  assert.equal(noObo.status, 1);
  assert.match(noObo.stderr, /^fractal-atlas: ontology file not found: .*missing\.obo\n$/);
});
