// Annotate: query cells from a file → calls per cell (hierarchy-consistent, with confidence per level),
// summary counts, the cells on the map at the mean position of their map neighbours, and a CSV download.
import { postJson } from './api.js';
import { openH5ad, parseArrow, parseDelimited } from './parse-input.js';
import { clLink, renderBars, rgbCss, shortName } from './labels.js';

const $ = (id) => document.getElementById(id);
/** Cells per request: well under the server's 10,000-cell and 64 MiB limits, and a smooth progress bar. */
const CHUNK = 500;
/** Neighbours fetched to place a query cell on the map (only those in the map sample count). */
const PLACE_K = 30;
const PAGE = 100;

export function createAnnotateView(app) {
  let cells = null; // {ids, data, n, dim, name}
  let calls = null; // CellAnnotation[]
  let positions = null; // Float32Array n × 2 (NaN where unplaced)
  let page = 0;
  let h5 = null;
  const served = app.info.levels.map((l) => l.column);

  function status(text, isError = false) {
    const p = $('annotate-status');
    p.textContent = text;
    p.classList.toggle('error', isError);
  }

  function setCells(c, name) {
    cells = { ...c, name };
    calls = null;
    $('annotate-run').disabled = false;
    $('annotate-download').disabled = true;
    status(`${c.n.toLocaleString('en-US')} cells × ${c.dim} from ${name}; press Annotate`);
  }

  async function readFile(file) {
    h5?.close();
    h5 = null;
    $('obsm-picker').hidden = true;
    $('annotate-run').disabled = true;
    status(`reading ${file.name}…`);
    const dim = app.info.input_dim;
    try {
      const lower = file.name.toLowerCase();
      if (lower.endsWith('.h5ad') || lower.endsWith('.h5')) {
        h5 = await openH5ad(await file.arrayBuffer());
        const select = $('obsm-key');
        select.replaceChildren(...h5.keys.map(({ key, shape }) => new Option(`${key} (${shape[0]} × ${shape[1]})`, key)));
        const fitting = h5.keys.find((k) => k.shape[1] === dim);
        if (fitting) select.value = fitting.key;
        $('obsm-picker').hidden = false;
        status(`${file.name}: pick the obsm key holding the ${dim}-d embeddings`);
        $('obsm-load').onclick = () => {
          try {
            setCells(h5.load(select.value, dim), `${file.name} obsm/${select.value}`);
          } catch (err) {
            status(err.message, true);
          }
        };
      } else if (/\.(arrow|feather|ipc)$/.test(lower)) {
        setCells(await parseArrow(await file.arrayBuffer(), dim), file.name);
      } else {
        setCells(parseDelimited(await file.text(), dim), file.name);
      }
    } catch (err) {
      status(`${file.name}: ${err.message}`, true);
    }
  }

  const rowsOf = (from, to) => {
    const out = [];
    for (let i = from; i < to; i++) out.push(Array.from(cells.data.subarray(i * cells.dim, (i + 1) * cells.dim)));
    return out;
  };

  async function run() {
    if (!cells) return;
    const k = Number($('annotate-k').value);
    const minConfidence = $('annotate-min-confidence').value.trim();
    const body = { k };
    if (minConfidence !== '') body.min_confidence = Number(minConfidence);
    $('annotate-run').disabled = true;
    const progress = $('annotate-progress');
    progress.hidden = false;
    progress.value = 0;
    const t0 = performance.now();
    const n = cells.n;
    const results = new Array(n);
    positions = new Float32Array(2 * n).fill(NaN);
    let done = 0;
    const chunks = [];
    for (let s = 0; s < n; s += CHUNK) chunks.push([s, Math.min(n, s + CHUNK)]);
    // Two requests in flight: the server has two workers by default.
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const [s, e] = chunks[next++];
        const embeddings = rowsOf(s, e);
        const [annotated, found] = await Promise.all([
          postJson('/v1/annotate', { ...body, embeddings }),
          app.map ? postJson('/v1/search', { embeddings, k: PLACE_K }) : null,
        ]);
        annotated.cells.forEach((c, j) => (results[s + j] = c));
        if (found) place(found.results, s);
        done += e - s;
        progress.value = done / n;
        status(`annotating… ${done.toLocaleString('en-US')} / ${n.toLocaleString('en-US')} cells`);
      }
    };
    try {
      await Promise.all([worker(), worker()]);
    } catch (err) {
      status(err.message, true);
      progress.hidden = true;
      $('annotate-run').disabled = false;
      return;
    }
    calls = results;
    placeByLabel();
    page = 0;
    renderTable();
    renderSummary();
    showOnMap();
    progress.hidden = true;
    $('annotate-run').disabled = false;
    $('annotate-download').disabled = false;
    const seconds = (performance.now() - t0) / 1000;
    const out = calls.filter((c) => c.out_of_reference).length;
    status(`${n.toLocaleString('en-US')} cells annotated in ${seconds.toFixed(1)} s (k = ${k}); ${out} out of reference`);
    $('annotate-table').dataset.seconds = seconds.toFixed(2);
  }

  /** Mean map position of each query's neighbours that are in the map sample. */
  function place(results, start) {
    results.forEach((r, j) => {
      let sx = 0;
      let sy = 0;
      let m = 0;
      for (const h of r.hits) {
        const i = app.map.indexOfId.get(h.cell_id);
        if (i === undefined) continue;
        sx += app.map.xy[2 * i];
        sy += app.map.xy[2 * i + 1];
        m++;
      }
      if (m > 0) {
        positions[2 * (start + j)] = sx / m;
        positions[2 * (start + j) + 1] = sy / m;
      }
    });
  }

  /** Cells none of whose neighbours is on the map: at the centre of the map cells of their call. */
  function placeByLabel() {
    if (!app.map) return;
    const finest = app.columns.length - 1;
    const centre = new Map();
    for (let i = 0; i < app.map.n; i++) {
      const code = app.map.codes[finest][i];
      const c = centre.get(code) ?? [0, 0, 0];
      c[0] += app.map.xy[2 * i];
      c[1] += app.map.xy[2 * i + 1];
      c[2]++;
      centre.set(code, c);
    }
    calls.forEach((call, i) => {
      if (!Number.isNaN(positions[2 * i])) return;
      const label = callOf(call, app.columns[finest]).label;
      const c = centre.get(app.codeOf[app.columns[finest]].get(label));
      if (!c) return;
      // A small deterministic spread so that such cells do not stack on one pixel.
      const a = i * 2.399963;
      const r = 0.004 * Math.sqrt((i % 97) / 97);
      positions[2 * i] = c[0] / c[2] + r * Math.cos(a);
      positions[2 * i + 1] = c[1] / c[2] + r * Math.sin(a);
    });
  }

  const callOf = (call, column) => call.consistent?.[column] ?? call.levels?.[column] ?? { label: 'unassigned', confidence: 0 };

  function showOnMap() {
    if (!calls || !app.map) return;
    const column = app.columns[app.colourLevel];
    const points = [];
    calls.forEach((call, i) => {
      if (Number.isNaN(positions[2 * i])) return;
      const rgb = app.colourOf(column, callOf(call, column).label) ?? [150, 150, 150];
      points.push({ x: positions[2 * i], y: positions[2 * i + 1], rgb });
    });
    app.mapView.setQueryPoints(points);
  }
  app.on('colour', showOnMap);

  function renderTable() {
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
    for (let i = from; i < to; i++) {
      const call = calls[i];
      const tr = document.createElement('tr');
      tr.append(Object.assign(document.createElement('td'), { textContent: cells.ids[i], className: 'cell-id' }));
      for (const c of served) {
        const { label, confidence } = callOf(call, c);
        const td = document.createElement('td');
        td.className = 'call';
        if (label === 'unassigned') {
          td.append(Object.assign(document.createElement('span'), { textContent: 'unassigned', className: 'unassigned' }));
        } else {
          td.append(clLink(label, app.clIdOf(c, label)));
        }
        const bar = document.createElement('span');
        bar.className = 'confidence';
        const fill = document.createElement('span');
        fill.style.width = `${Math.round(100 * confidence)}%`;
        bar.append(fill);
        bar.title = `confidence ${confidence.toFixed(2)}`;
        td.append(bar);
        tr.append(td);
      }
      tr.append(Object.assign(document.createElement('td'), { textContent: call.nearest_distance === null ? '—' : call.nearest_distance.toFixed(3), className: 'num' }));
      const flag = document.createElement('td');
      if (call.out_of_reference) {
        flag.append(Object.assign(document.createElement('span'), { textContent: 'out of reference', className: 'badge', title: 'nearest reference cell is farther than the index\'s out-of-reference distance' }));
        tr.classList.add('out-of-reference');
      }
      tr.append(flag);
      body.append(tr);
    }
    const pages = Math.ceil(calls.length / PAGE);
    $('annotate-pager').hidden = pages <= 1;
    $('annotate-page').textContent = `rows ${from + 1}–${to} of ${calls.length.toLocaleString('en-US')}`;
    $('annotate-prev').disabled = page === 0;
    $('annotate-next').disabled = page >= pages - 1;
  }

  function renderSummary() {
    $('annotate-summary-box').hidden = false;
    const select = $('annotate-summary-level');
    if (select.options.length === 0) {
      select.replaceChildren(...served.map((c) => new Option(shortName(c), c)));
      // Type by default: subtype summaries of a real query run long.
      select.value = served[Math.max(0, served.length - 2)];
      select.addEventListener('change', renderSummary);
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

  function csvField(v) {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  }

  function download() {
    const header = ['cell_id', ...served.flatMap((c) => [c, `${c}_confidence`]), 'nearest_distance', 'out_of_reference'];
    const lines = [header.join(',')];
    calls.forEach((call, i) => {
      const fields = [cells.ids[i]];
      for (const c of served) {
        const { label, confidence } = callOf(call, c);
        fields.push(label, confidence.toFixed(4));
      }
      fields.push(call.nearest_distance ?? '', call.out_of_reference);
      lines.push(fields.map(csvField).join(','));
    });
    const blob = new Blob([`${lines.join('\n')}\n`], { type: 'text/csv' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${(cells.name.split(/[ /]/)[0] || 'cells').replace(/\.[^.]+$/, '')}-calls.csv`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  const input = $('annotate-file');
  input.addEventListener('change', () => input.files[0] && readFile(input.files[0]));
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer.files[0];
    if (file) readFile(file);
  });
  $('annotate-run').addEventListener('click', run);
  $('annotate-download').addEventListener('click', download);
  $('annotate-prev').addEventListener('click', () => {
    page--;
    renderTable();
  });
  $('annotate-next').addEventListener('click', () => {
    page++;
    renderTable();
  });
  return {};
}
