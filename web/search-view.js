// Search: a reference cell (map click or id) or an embedding → its k nearest reference cells at the level the
// slider picks, as a table, bars per label and rings on the map. Filters are the API's include / exclude.
import { postJson } from './api.js';
import { parseDelimited } from './parse-input.js';
import { labelCell, renderBars, rgbCss, shortName } from './labels.js';

const $ = (id) => document.getElementById(id);

export function createSearchView(app) {
  const levels = app.info.levels;
  const slider = $('search-level');
  slider.max = String(levels.length - 1);
  slider.value = String(levels.length - 1);
  $('search-level-ticks').replaceChildren(
    ...levels.map((l) => {
      const s = document.createElement('span');
      s.textContent = l.name;
      return s;
    }),
  );
  const levelName = () => levels[Number(slider.value)].name;
  const showLevel = () => {
    const l = levels[Number(slider.value)];
    $('search-level-name').textContent = `${l.name} (prefix ${l.prefix}, ${l.dims}-d)`;
  };
  showLevel();

  // Filters: {include|exclude: Map<column, Set<label>>}.
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
    renderChips();
  };
  $('filter-include').addEventListener('click', () => addFilter('include'));
  $('filter-exclude').addEventListener('click', () => addFilter('exclude'));

  function renderChips() {
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
            renderChips();
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
  app.on('focus', renderChips);

  function requestFilter() {
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

  function status(text, isError = false) {
    const p = $('search-status');
    p.textContent = text;
    p.classList.toggle('error', isError);
  }

  function readQuery() {
    const id = $('search-cell').value.trim();
    const text = $('search-embedding').value.trim();
    if (id) return { cell_ids: [id] };
    if (text) {
      const values = text.split(/[\s,;]+/).filter(Boolean).map(Number);
      if (values.some((v) => !Number.isFinite(v))) throw new Error('the embedding must be numbers separated by commas or spaces');
      if (values.length !== app.info.input_dim) throw new Error(`the embedding has ${values.length} values; this index takes ${app.info.input_dim}`);
      return { embeddings: [values] };
    }
    throw new Error('give a cell id (click a cell on the map) or paste an embedding');
  }

  let generation = 0;
  async function run() {
    let query;
    try {
      query = readQuery();
    } catch (err) {
      status(err.message, true);
      return;
    }
    const k = Number($('search-k').value);
    const body = { ...query, level: levelName(), k, summary: true, filter: requestFilter() };
    const mine = ++generation;
    status('searching…');
    const t0 = performance.now();
    let result;
    try {
      result = await postJson('/v1/search', body);
    } catch (err) {
      if (mine === generation) status(err.message, true);
      return;
    }
    if (mine !== generation) return;
    render(result, query, performance.now() - t0);
  }

  function render(result, query, ms) {
    const { hits, summary } = result.results[0];
    const onMap = app.map ? hits.map((h) => app.map.indexOfId.get(h.cell_id)).filter((i) => i !== undefined) : [];
    const queryIndex = query.cell_ids && app.map ? (app.map.indexOfId.get(query.cell_ids[0]) ?? -1) : -1;
    app.mapView.setHighlights(onMap, queryIndex);
    const what = query.cell_ids ? `cell ${query.cell_ids[0]}` : 'the embedding';
    status(
      `${hits.length} neighbours of ${what} at level ${levelName()} (prefix ${result.prefix}, ${result.dims}-d) in ${Math.round(ms)} ms` +
        (app.map ? `; ${onMap.length} of them on the map sample (ringed)` : ''),
    );
    const table = $('search-table');
    table.hidden = false;
    table.dataset.level = levelName();
    const head = table.tHead.rows[0];
    head.replaceChildren(...['#', 'cell id', 'distance', ...app.columns.map(shortName)].map((t) => Object.assign(document.createElement('th'), { textContent: t })));
    const body = table.tBodies[0];
    body.replaceChildren();
    hits.forEach((h, r) => {
      const tr = document.createElement('tr');
      const num = Object.assign(document.createElement('td'), { textContent: String(r + 1) });
      const id = document.createElement('td');
      const idButton = Object.assign(document.createElement('button'), { type: 'button', className: 'link', textContent: h.cell_id, title: 'search from this cell' });
      idButton.addEventListener('click', () => searchCellId(h.cell_id));
      id.append(idButton);
      id.className = 'cell-id';
      const dist = Object.assign(document.createElement('td'), { textContent: h.distance.toFixed(4), className: 'num' });
      tr.append(num, id, dist);
      for (const c of app.columns) tr.append(labelCell(h[c], c === 'level4_subtype' && h.cl_id ? h.cl_id : app.clIdOf(c, h[c])));
      body.append(tr);
    });
    const bars = $('search-bars');
    bars.replaceChildren();
    if (summary) {
      for (const c of app.columns) {
        const entries = Object.entries(summary[c] ?? {}).sort((a, b) => b[1] - a[1]);
        renderBars(bars, shortName(c), entries, (label) => {
          const rgb = app.colourOf(c, label);
          return rgb ? rgbCss(rgb) : null;
        });
      }
    }
  }

  function searchCellId(id) {
    $('search-cell').value = id;
    $('search-embedding').value = '';
    app.showView('search');
    return run();
  }

  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  slider.addEventListener('input', showLevel);
  slider.addEventListener('change', () => {
    if ($('search-cell').value.trim() || $('search-embedding').value.trim()) run();
  });
  $('search-embedding').addEventListener('input', () => {
    if ($('search-embedding').value.trim()) $('search-cell').value = '';
  });
  $('search-file').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    try {
      const cells = parseDelimited(await file.text(), app.info.input_dim, 1);
      $('search-embedding').value = Array.from(cells.data.subarray(0, cells.dim)).join(', ');
      $('search-cell').value = '';
      run();
    } catch (err) {
      status(err.message, true);
    }
  });

  return {
    /** Searches from map point i (a map click). */
    searchMapCell: (i) => searchCellId(app.map.ids[i]),
    searchCellId,
  };
}
