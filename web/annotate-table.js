// The annotate view's results: a page of the calls table (a label and a confidence bar per served level) with
// its pager, and the summary bars of the calls at one level.
import { callOf, servedColumns } from './annotate-calls.js';
import { clLink, renderBars, rgbCss, shortName } from './labels.js';

const $ = (id) => document.getElementById(id);
/** Rows per table page. */
const PAGE = 100;

/** A table cell with one level's call: the linked label (or "unassigned") and its confidence bar. */
function callCell(app, call, column) {
  const { label, confidence } = callOf(call, column);
  const td = document.createElement('td');
  td.className = 'call';
  if (label === 'unassigned') {
    td.append(Object.assign(document.createElement('span'), { textContent: 'unassigned', className: 'unassigned' }));
  } else {
    td.append(clLink(label, app.clIdOf(column, label)));
  }
  const bar = document.createElement('span');
  bar.className = 'confidence';
  const fill = document.createElement('span');
  fill.style.width = `${Math.round(100 * confidence)}%`;
  bar.append(fill);
  bar.title = `confidence ${confidence.toFixed(2)}`;
  td.append(bar);
  return td;
}

/** One table row: cell id, the calls, the nearest distance and the out-of-reference badge. */
function callRow(app, call, id, served) {
  const tr = document.createElement('tr');
  tr.append(Object.assign(document.createElement('td'), { textContent: id, className: 'cell-id' }));
  for (const c of served) tr.append(callCell(app, call, c));
  tr.append(Object.assign(document.createElement('td'), { textContent: call.nearest_distance === null ? '—' : call.nearest_distance.toFixed(3), className: 'num' }));
  const flag = document.createElement('td');
  if (call.out_of_reference) {
    flag.append(Object.assign(document.createElement('span'), { textContent: 'out of reference', className: 'badge', title: 'nearest reference cell is farther than the index\'s out-of-reference distance' }));
    tr.classList.add('out-of-reference');
  }
  tr.append(flag);
  return tr;
}

/** Shows page `page` (0-based) of the calls of the cells with ids `ids`, and sets the pager to it. */
export function renderCallsTable(app, calls, ids, page) {
  const served = servedColumns(app);
  const table = $('annotate-table');
  table.hidden = false;
  table.dataset.rows = String(calls.length);
  const head = document.createElement('tr');
  for (const t of ['cell', ...served.map(shortName), 'nearest distance', '']) head.append(Object.assign(document.createElement('th'), { textContent: t }));
  table.tHead.replaceChildren(head);
  const body = table.tBodies[0];
  body.replaceChildren();
  const from = page * PAGE;
  const to = Math.min(calls.length, from + PAGE);
  for (let i = from; i < to; i++) body.append(callRow(app, calls[i], ids[i], served));
  const pages = Math.ceil(calls.length / PAGE);
  $('annotate-pager').hidden = pages <= 1;
  $('annotate-page').textContent = `rows ${from + 1}–${to} of ${calls.length.toLocaleString('en-US')}`;
  $('annotate-prev').disabled = page === 0;
  $('annotate-next').disabled = page >= pages - 1;
}

/**
 * Bars of the call counts at the summary level. The first call fills the level picker and has it call
 * `onLevelChange`.
 */
export function renderCallsSummary(app, calls, onLevelChange) {
  const served = servedColumns(app);
  $('annotate-summary-box').hidden = false;
  const select = $('annotate-summary-level');
  if (select.options.length === 0) {
    select.replaceChildren(...served.map((c) => new Option(shortName(c), c)));
    // Type by default: subtype summaries of a real query run long.
    select.value = served[Math.max(0, served.length - 2)];
    select.addEventListener('change', onLevelChange);
  }
  const column = select.value;
  const counts = new Map();
  for (const call of calls) {
    const label = callOf(call, column).label;
    counts.set(label, (counts.get(label) ?? 0) + 1);
  }
  const out = calls.filter((c) => c.out_of_reference).length;
  const box = $('annotate-summary');
  box.replaceChildren();
  renderBars(box, `${shortName(column)} calls${out ? ` (${out} cells out of reference)` : ''}`, [...counts].sort((a, b) => b[1] - a[1]), (label) => {
    const rgb = app.colourOf(column, label);
    return rgb ? rgbCss(rgb) : null;
  });
}
