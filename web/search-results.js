// The search view's answer: the hits ringed on the map, a status line, the hits table with their labels and
// one bar chart per level of the neighbours' labels.
import { labelCell, renderBars, rgbCss, shortName } from './labels.js';

const $ = (id) => document.getElementById(id);

/** A table row of hit h (rank r): its id (a button that searches from it), distance and labels. */
function hitRow(app, h, r, onCellClick) {
  const tr = document.createElement('tr');
  const num = Object.assign(document.createElement('td'), { textContent: String(r + 1) });
  const id = document.createElement('td');
  const idButton = Object.assign(document.createElement('button'), { type: 'button', className: 'link', textContent: h.cell_id, title: 'search from this cell' });
  idButton.addEventListener('click', () => onCellClick(h.cell_id));
  id.append(idButton);
  id.className = 'cell-id';
  const dist = Object.assign(document.createElement('td'), { textContent: h.distance.toFixed(4), className: 'num' });
  tr.append(num, id, dist);
  for (const c of app.columns) tr.append(labelCell(h[c], c === 'level4_subtype' && h.cl_id ? h.cl_id : app.clIdOf(c, h[c])));
  return tr;
}

function renderHitsTable(app, hits, level, onCellClick) {
  const table = $('search-table');
  table.hidden = false;
  table.dataset.level = level;
  const head = table.tHead.rows[0];
  head.replaceChildren(...['#', 'cell id', 'distance', ...app.columns.map(shortName)].map((t) => Object.assign(document.createElement('th'), { textContent: t })));
  const body = table.tBodies[0];
  body.replaceChildren();
  hits.forEach((h, r) => body.append(hitRow(app, h, r, onCellClick)));
}

function renderSummaryBars(app, summary) {
  const bars = $('search-bars');
  bars.replaceChildren();
  if (!summary) return;
  for (const c of app.columns) {
    const entries = Object.entries(summary[c] ?? {}).sort((a, b) => b[1] - a[1]);
    renderBars(bars, shortName(c), entries, (label) => {
      const rgb = app.colourOf(c, label);
      return rgb ? rgbCss(rgb) : null;
    });
  }
}

/**
 * Shows the answer to one search (`query` as sent, at `level`, taking `ms`): rings, the status line through
 * `status`, table and bars. A hit's id button calls `onCellClick(cellId)`.
 */
export function showSearchResult(app, result, query, { level, ms, status, onCellClick }) {
  const { hits, summary } = result.results[0];
  const onMap = app.map ? hits.map((h) => app.map.indexOfId.get(h.cell_id)).filter((i) => i !== undefined) : [];
  const queryIndex = query.cell_ids && app.map ? (app.map.indexOfId.get(query.cell_ids[0]) ?? -1) : -1;
  app.mapView.setHighlights(onMap, queryIndex);
  const what = query.cell_ids ? `cell ${query.cell_ids[0]}` : 'the embedding';
  status(
    `${hits.length} neighbours of ${what} at level ${level} (prefix ${result.prefix}, ${result.dims}-d) in ${Math.round(ms)} ms` +
      (app.map ? `; ${onMap.length} of them on the map sample (ringed)` : ''),
  );
  renderHitsTable(app, hits, level, onCellClick);
  renderSummaryBars(app, summary);
}
