import assert from 'node:assert/strict';
import { OBO_SKIP, oboTest as test, readSharedObo } from '../support/shared-obo.js';
import { buildOntologyGraph, buildSuggestionTable, parseObo, suggestTerms } from '../../ontology/index.js';
import { editDistance, tokenize } from '../../ontology/suggest.js';

// Without the shared file every test here skips, so nothing reads TABLE.
const TABLE = OBO_SKIP ? (undefined as never) : buildSuggestionTable(buildOntologyGraph(parseObo(readSharedObo())));
const names = (label: string, max = 3): string[] => suggestTerms(TABLE, label, max).map((s) => s.name);

test('tokenize reads marker signs and drops plurals', () => {
  assert.deepEqual(tokenize('CD14+ Monocytes'), ['cd14', 'cd14=positive', 'monocyte']);
  assert.deepEqual(tokenize('CD16- NK, CD56+'), ['cd16', 'cd16=negative', 'nk', 'cd56', 'cd56=positive']);
  assert.deepEqual(tokenize('CD14-positive, CD16-low monocyte'), ['cd14', 'cd14=positive', 'cd16', 'cd16=low', 'monocyte']);
  assert.deepEqual(tokenize('double negative T cell'), ['double', 'negative', 't', 'cell']);
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

test('a marker label reaches the parent that an over-specific marker term refines', () => {
  // classical monocyte shares only "monocyte" with the label; its child "CD14-positive, CD16-negative
  // classical monocyte" states CD14-positive, so the parent is credited without the unstated CD16.
  for (const label of ['CD14+ monocyte', 'CD14+ Monocytes', 'CD14-positive monocyte cells']) {
    const top = names(label);
    assert.equal(top[0], 'CD14-positive monocyte', label);
    assert.ok(top.includes('classical monocyte'), `${label}: ${top.join(' | ')}`);
  }
});

test('a marker stated with another sign ranks below the terms that agree with the label', () => {
  const top = names('CD16+ monocyte', 4);
  assert.equal(top[0], 'CD14-positive, CD16-positive monocyte', top.join(' | '));
  assert.ok(!top.includes('CD14-positive, CD16-negative classical monocyte'), top.join(' | '));
  assert.ok(!names('CD14+ monocyte').includes('CD14-low, CD16-positive monocyte'));
});

test('other lab labels keep their best suggestions', () => {
  assert.deepEqual(names('B cells', 1), ['B cell']);
  assert.deepEqual(names('Dendritic cell', 1), ['dendritic cell']);
  assert.ok(names('CD56+ NK').includes('natural killer cell'), names('CD56+ NK').join(' | '));
  const cd4 = names('CD4+ T cell', 4);
  assert.equal(cd4[0], 'CD4-positive helper T cell', cd4.join(' | '));
  assert.ok(cd4.includes('CD4-positive, alpha-beta T cell'), cd4.join(' | '));
});

test('no suggestion when only common words match or nothing does', () => {
  assert.deepEqual(names('flux capacitor cell'), []);
  assert.deepEqual(names('blorp'), []);
  assert.deepEqual(names('+++'), []);
});
