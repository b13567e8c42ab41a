// Annotate: query cells from a file → calls per cell (hierarchy-consistent, with confidence per level),
// summary counts, the cells on the map at the mean position of their map neighbours, and a CSV download.
import { downloadCallsCsv, servedColumns } from './annotate-calls.js';
import { bindFileDrop, createCellsReader } from './annotate-input.js';
import { placeByLabel, queryPointsOf } from './annotate-place.js';
import { runAnnotation } from './annotate-run.js';
import { renderCallsSummary, renderCallsTable } from './annotate-table.js';

const $ = (id) => document.getElementById(id);

/** Wires the annotate tab: reading a file, the run, the results (table, summary, map) and the CSV download. */
export function createAnnotateView(app) {
  // cells {ids, data, n, dim, name}; calls CellAnnotation[]; positions Float32Array n × 2 (NaN where unplaced).
  const state = { cells: null, calls: null, positions: null, page: 0 };

  function status(text, isError = false) {
    const p = $('annotate-status');
    p.textContent = text;
    p.classList.toggle('error', isError);
  }

  function setCells(c, name) {
    state.cells = { ...c, name };
    state.calls = null;
    $('annotate-run').disabled = false;
    $('annotate-download').disabled = true;
    status(`${c.n.toLocaleString('en-US')} cells × ${c.dim} from ${name}; press Annotate`);
  }

  const renderTable = () => renderCallsTable(app, state.calls, state.cells.ids, state.page);
  const renderSummary = () => renderCallsSummary(app, state.calls, renderSummary);
  function showOnMap() {
    if (!state.calls || !app.map) return;
    app.mapView.setQueryPoints(queryPointsOf(app, state.calls, state.positions));
  }
  function showCalls() {
    placeByLabel(app, state.calls, state.positions);
    state.page = 0;
    renderTable();
    renderSummary();
    showOnMap();
  }
  app.on('colour', showOnMap);

  bindFileDrop($('annotate-file'), $('drop-zone'), createCellsReader(app.info.input_dim, { status, onCells: setCells }));
  $('annotate-run').addEventListener('click', () => runAnnotation(app, state, { status, showCalls }));
  $('annotate-download').addEventListener('click', () => downloadCallsCsv(state.calls, state.cells, servedColumns(app)));
  $('annotate-prev').addEventListener('click', () => {
    state.page--;
    renderTable();
  });
  $('annotate-next').addEventListener('click', () => {
    state.page++;
    renderTable();
  });
  return {};
}
