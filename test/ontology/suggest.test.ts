import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SHARED_OBO_PATH } from '../../common/index.js';
import { buildOntologyGraph, buildSuggestionTable, parseObo, suggestTerms } from '../../ontology/index.js';
import { editDistance, tokenize } from '../../ontology/suggest.js';

const TABLE = buildSuggestionTable(buildOntologyGraph(parseObo(readFileSync(SHARED_OBO_PATH, 'utf8'))));
const names = (label: string, max = 3): string[] => suggestTerms(TABLE, label, max).map((s) => s.name);

test('tokenize reads marker signs and drops plurals', () => {
  assert.deepEqual(tokenize('CD14+ Monocytes'), ['cd14', 'positive', 'monocyte']);
  assert.deepEqual(tokenize('CD16- NK, CD56+'), ['cd16', 'negative', 'nk', 'cd56', 'positive']);
  assert.deepEqual(tokenize('glass cells'), ['glass', 'cell']);
  assert.equal(editDistance('monocyte', 'monocytes'), 1);
  assert.equal(editDistance('', 'abc'), 3);
});

test('suggestions for lab-style labels come from names and EXACT synonyms', () => {
  assert.deepEqual(names('CD14+ monocyte', 1), ['CD14-positive monocyte']);
  assert.ok(names('CD14+ monocyte', 5).includes('CD14-positive, CD16-negative classical monocyte'));
  assert.deepEqual(names('Monocytes', 1), ['monocyte']);
  assert.ok(names('Monocytes', 3).includes('classical monocyte'));
  assert.deepEqual(names('Tregs', 1), ['regulatory T cell'], 'Treg is an EXACT synonym');
  assert.ok(names('CD56+ NK', 4).includes('natural killer cell'));
  assert.deepEqual(names('fibroblsts', 1), ['fibroblast'], 'a typo still finds the term');
  assert.equal(suggestTerms(TABLE, 'CD14+ monocyte').length, 3);
});

test('no suggestion when only common words match or nothing does', () => {
  assert.deepEqual(names('flux capacitor cell'), []);
  assert.deepEqual(names('blorp'), []);
  assert.deepEqual(names('+++'), []);
});
