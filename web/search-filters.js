// The search view's filters: labels to include or exclude per level, shown as chips, plus the page's focus
// (an include the focus bar owns), turned into the API's `filter` object.
import { shortName } from './labels.js';

const $ = (id) => document.getElementById(id);

/** One chip per filter label (its × removes it), and the focus as a chip without one. */
function renderChips(app, filters) {
  const ul = $('filter-chips');
  ul.replaceChildren();
  for (const kind of ['include', 'exclude']) {
    for (const [column, labels] of filters[kind]) {
      for (const label of labels) {
        const li = document.createElement('li');
        li.className = `chip ${kind}`;
        li.textContent = `${kind === 'include' ? '+' : '−'} ${shortName(column)}: ${label} `;
        const x = document.createElement('button');
        x.type = 'button';
        x.textContent = '×';
        x.title = 'remove';
        x.addEventListener('click', () => {
          labels.delete(label);
          if (labels.size === 0) filters[kind].delete(column);
          renderChips(app, filters);
        });
        li.append(x);
        ul.append(li);
      }
    }
  }
  if (app.focus) {
    const li = document.createElement('li');
    li.className = 'chip include';
    li.textContent = `+ ${shortName(app.focus.column)}: ${app.focus.label} (focus)`;
    ul.append(li);
  }
}

/** The API's filter ({include, exclude} of short level name → labels), or undefined when there is none. */
function requestFilterOf(app, filters) {
  const out = {};
  for (const kind of ['include', 'exclude']) {
    const m = new Map([...filters[kind]].map(([c, s]) => [c, new Set(s)]));
    if (kind === 'include' && app.focus) {
      if (!m.has(app.focus.column)) m.set(app.focus.column, new Set());
      m.get(app.focus.column).add(app.focus.label);
    }
    if (m.size > 0) out[kind] = Object.fromEntries([...m].map(([c, s]) => [shortName(c), [...s]]));
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Wires the filter inputs (level, label with the level's vocabulary, include / exclude) and their chips;
 * a label the reference lacks goes to `status` as an error. Returns `requestFilter()` for the next search.
 */
export function createSearchFilters(app, status) {
  // {include|exclude: Map<column, Set<label>>}.
  const filters = { include: new Map(), exclude: new Map() };
  const filterLevel = $('filter-level');
  filterLevel.replaceChildren(...app.columns.map((c) => new Option(shortName(c), c)));
  const fillLabels = () => $('filter-labels').replaceChildren(...app.info.vocabularies[filterLevel.value].map((w) => new Option(w)));
  filterLevel.addEventListener('change', fillLabels);
  fillLabels();
  const addFilter = (kind) => {
    const column = filterLevel.value;
    const label = $('filter-label').value.trim();
    if (!app.codeOf[column].has(label)) {
      status(`"${label}" is not a ${shortName(column)} label of this reference`, true);
      return;
    }
    if (!filters[kind].has(column)) filters[kind].set(column, new Set());
    filters[kind].get(column).add(label);
    $('filter-label').value = '';
    renderChips(app, filters);
  };
  $('filter-include').addEventListener('click', () => addFilter('include'));
  $('filter-exclude').addEventListener('click', () => addFilter('exclude'));
  app.on('focus', () => renderChips(app, filters));
  return { requestFilter: () => requestFilterOf(app, filters) };
}
