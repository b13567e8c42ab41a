// Search: a reference cell (map click or id) or an embedding → its k nearest reference cells at the level the
// slider picks, as a table, bars per label and rings on the map. Filters are the API's include / exclude.
import { postJson } from './api.js';
import { parseDelimited } from './parse-input.js';
import { createSearchFilters } from './search-filters.js';
import { showSearchResult } from './search-results.js';

const $ = (id) => document.getElementById(id);

/** One slider stop per served level, coarse to fine, starting at the finest; its name shown beside it. */
function setupLevelSlider(slider, levels) {
  slider.max = String(levels.length - 1);
  slider.value = String(levels.length - 1);
  $('search-level-ticks').replaceChildren(
    ...levels.map((l) => {
      const s = document.createElement('span');
      s.textContent = l.name;
      return s;
    }),
  );
  const showLevel = () => {
    const l = levels[Number(slider.value)];
    $('search-level-name').textContent = `${l.name} (prefix ${l.prefix}, ${l.dims}-d)`;
  };
  showLevel();
  slider.addEventListener('input', showLevel);
}

/** The query of the form: the cell id if given, else the pasted embedding (checked against `dim`). */
function readQuery(dim) {
  const id = $('search-cell').value.trim();
  const text = $('search-embedding').value.trim();
  if (id) return { cell_ids: [id] };
  if (text) {
    const values = text.split(/[\s,;]+/).filter(Boolean).map(Number);
    if (values.some((v) => !Number.isFinite(v))) throw new Error('the embedding must be numbers separated by commas or spaces');
    if (values.length !== dim) throw new Error(`the embedding has ${values.length} values; this index takes ${dim}`);
    return { embeddings: [values] };
  }
  throw new Error('give a cell id (click a cell on the map) or paste an embedding');
}

/** Typing an embedding clears the cell id; a file's first row becomes the embedding and is searched. */
function bindEmbeddingInputs(dim, { run, status }) {
  $('search-embedding').addEventListener('input', () => {
    if ($('search-embedding').value.trim()) $('search-cell').value = '';
  });
  $('search-file').addEventListener('change', async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    try {
      const cells = parseDelimited(await file.text(), dim, 1);
      $('search-embedding').value = Array.from(cells.data.subarray(0, cells.dim)).join(', ');
      $('search-cell').value = '';
      run();
    } catch (err) {
      status(err.message, true);
    }
  });
}

/** Wires the search tab; returns the searches other views start (a map click, a cell id). */
export function createSearchView(app) {
  const levels = app.info.levels;
  const slider = $('search-level');
  setupLevelSlider(slider, levels);
  const levelName = () => levels[Number(slider.value)].name;
  const filters = createSearchFilters(app, status);

  function status(text, isError = false) {
    const p = $('search-status');
    p.textContent = text;
    p.classList.toggle('error', isError);
  }

  // Only the latest search may write its answer: an earlier one that returns late is dropped.
  let generation = 0;
  async function run() {
    let query;
    try {
      query = readQuery(app.info.input_dim);
    } catch (err) {
      status(err.message, true);
      return;
    }
    const k = Number($('search-k').value);
    const body = { ...query, level: levelName(), k, summary: true, filter: filters.requestFilter() };
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
    showSearchResult(app, result, query, { level: levelName(), ms: performance.now() - t0, status, onCellClick: searchCellId });
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
  slider.addEventListener('change', () => {
    if ($('search-cell').value.trim() || $('search-embedding').value.trim()) run();
  });
  bindEmbeddingInputs(app.info.input_dim, { run, status });
  return {
    /** Searches from map point i (a map click). */
    searchMapCell: (i) => searchCellId(app.map.ids[i]),
    searchCellId,
  };
}
