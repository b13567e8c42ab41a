// The page: loads /v1/info and /v1/map, then wires the four views around one shared map.
import { ApiError, getBytes, getJson } from './api.js';
import { createAnnotateView } from './annotate-view.js';
import { createHierarchyView } from './hierarchy-view.js';
import { paletteFor, rgbCss, shortName } from './labels.js';
import { decodeMap } from './map-data.js';
import { MapView } from './map-view.js';
import { createSearchView } from './search-view.js';

const $ = (id) => document.getElementById(id);

/** Shared state of the page. */
const app = {
  info: null,
  map: null,
  /** Level columns, coarse to fine (every labelled level, served or not). */
  columns: [],
  /** Per column: label → code. */
  codeOf: {},
  palettes: [],
  colourLevel: 0,
  focus: null,
  mapView: null,
  views: {},
  listeners: { focus: [], colour: [] },
  on(event, fn) {
    this.listeners[event].push(fn);
  },
  emit(event) {
    for (const fn of this.listeners[event]) fn();
  },
  /** CL id of a label where known (map header), else null. */
  clIdOf(column, label) {
    const code = this.codeOf[column]?.get(label);
    return code === undefined ? null : (this.map?.header.cl_ids?.[column]?.[code] ?? null);
  },
  colourOf(column, label) {
    const l = this.columns.indexOf(column);
    const code = this.codeOf[column]?.get(label);
    return code === undefined || l < 0 ? null : this.palettes[l][code];
  },
  /** Focus the map and the search on one label (null clears). */
  setFocus(focus) {
    this.focus = focus;
    const bar = $('focus-bar');
    bar.hidden = !focus;
    if (focus) {
      $('focus-label').textContent = focus.label;
      $('focus-level').textContent = `(${shortName(focus.column)})`;
    }
    this.mapView.setFocus(focus && this.map ? { level: this.columns.indexOf(focus.column), code: this.codeOf[focus.column].get(focus.label) } : null);
    this.emit('focus');
  },
  showView(name) {
    for (const b of document.querySelectorAll('#tabs button')) b.setAttribute('aria-selected', String(b.dataset.view === name));
    for (const v of document.querySelectorAll('#side-pane .view')) v.hidden = v.dataset.view !== name;
    if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
  },
};

function describeCell(i) {
  const box = document.createElement('div');
  const id = document.createElement('div');
  id.className = 'tip-id';
  id.textContent = app.map.ids[i];
  box.append(id);
  app.columns.forEach((c, l) => {
    const row = document.createElement('div');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = rgbCss(app.palettes[l][app.map.codes[l][i]]);
    const name = document.createElement('span');
    name.className = 'muted';
    name.textContent = `${shortName(c)}: `;
    row.append(swatch, name, app.info.vocabularies[c][app.map.codes[l][i]]);
    box.append(row);
  });
  return box;
}

function renderLegend() {
  const column = app.columns[app.colourLevel];
  const counts = app.info.label_counts[column];
  const onMap = new Map();
  if (app.map) for (const code of app.map.codes[app.colourLevel]) onMap.set(code, (onMap.get(code) ?? 0) + 1);
  const ul = $('legend');
  ul.replaceChildren();
  const labels = app.info.vocabularies[column].map((label, code) => ({ label, code, n: counts[label] ?? 0 })).sort((a, b) => b.n - a.n);
  for (const { label, code, n } of labels) {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = rgbCss(app.palettes[app.colourLevel][code]);
    const name = document.createElement('button');
    name.type = 'button';
    name.className = 'link';
    name.textContent = label;
    name.title = 'focus the map and search on this label';
    name.addEventListener('click', () => app.setFocus({ column, label }));
    const count = document.createElement('span');
    count.className = 'count';
    count.textContent = n.toLocaleString('en-US');
    count.title = `${n} reference cells, ${onMap.get(code) ?? 0} on the map`;
    li.append(swatch, name, count);
    ul.append(li);
  }
}

function setupColourPicker() {
  const select = $('colour-level');
  select.replaceChildren(...app.columns.map((c, l) => new Option(shortName(c), String(l))));
  select.value = String(app.colourLevel);
  select.addEventListener('change', () => {
    app.colourLevel = Number(select.value);
    app.mapView.setLevel(app.colourLevel);
    renderLegend();
    app.emit('colour');
  });
}

async function loadMap() {
  try {
    return decodeMap(await getBytes('/v1/map'));
  } catch (err) {
    if (err instanceof ApiError && err.code === 'map_not_built') {
      const msg = $('map-message');
      msg.hidden = false;
      msg.textContent = `${err.message}. Search and annotate still work.`;
      return null;
    }
    throw err;
  }
}

async function start() {
  app.mapView = new MapView($('map-canvas'), $('map-tooltip'), {
    onPick: (i) => app.views.search.searchMapCell(i),
    describe: describeCell,
  });
  window.fractalAtlas = app;
  app.info = await getJson('/v1/info');
  app.columns = Object.keys(app.info.vocabularies).sort();
  for (const c of app.columns) app.codeOf[c] = new Map(app.info.vocabularies[c].map((w, i) => [w, i]));
  app.palettes = app.columns.map((c) => paletteFor(app.info.vocabularies[c].map((w) => app.info.label_counts[c][w] ?? 0)));
  app.colourLevel = Math.min(2, app.columns.length - 1);
  const info = app.info;
  $('index-summary').textContent =
    `${info.num_cells.toLocaleString('en-US')} reference cells · ${info.input_dim}-d input · levels ${info.levels.map((l) => `${l.name} (${l.dims}-d)`).join(', ')}`;
  app.map = await loadMap();
  if (app.map) {
    app.mapView.setData(app.map, app.palettes);
    app.mapView.setLevel(app.colourLevel);
    $('map-status').textContent = `${app.map.n.toLocaleString('en-US')} of ${info.num_cells.toLocaleString('en-US')} cells (stratified sample, UMAP)`;
  }
  setupColourPicker();
  renderLegend();
  app.views.search = createSearchView(app);
  app.views.annotate = createAnnotateView(app);
  app.views.hierarchy = createHierarchyView(app);
  $('map-reset').addEventListener('click', () => app.mapView.resetView());
  $('focus-clear').addEventListener('click', () => app.setFocus(null));
  for (const b of document.querySelectorAll('#tabs button')) b.addEventListener('click', () => app.showView(b.dataset.view));
  const initial = location.hash.slice(1);
  app.showView(['map', 'search', 'annotate', 'hierarchy'].includes(initial) ? initial : 'map');
  document.body.dataset.ready = 'true';
}

start().catch((err) => {
  const msg = $('map-message');
  msg.hidden = false;
  msg.className = 'error';
  msg.textContent = `The page could not start: ${err.message}`;
  document.body.dataset.ready = 'error';
});
