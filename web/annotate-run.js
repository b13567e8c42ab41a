// One annotate run: the query cells go to /v1/annotate in chunks (and to /v1/search for their map neighbours,
// where the index has a map), with a progress bar and a closing line with the time taken.
import { postJson } from './api.js';
import { placeByNeighbours } from './annotate-place.js';

const $ = (id) => document.getElementById(id);
/** Cells per request: well under the server's 10,000-cell and 64 MiB limits, and a smooth progress bar. */
const CHUNK = 500;
/** Neighbours fetched to place a query cell on the map (only those in the map sample count). */
const PLACE_K = 30;

/** The request body but the embeddings, from the k and min-confidence inputs. */
function readOptions() {
  const k = Number($('annotate-k').value);
  const minConfidence = $('annotate-min-confidence').value.trim();
  const body = { k };
  if (minConfidence !== '') body.min_confidence = Number(minConfidence);
  return body;
}

const rowsOf = (cells, from, to) => {
  const out = [];
  for (let i = from; i < to; i++) out.push(Array.from(cells.data.subarray(i * cells.dim, (i + 1) * cells.dim)));
  return out;
};

/** Calls for the first n cells, chunk by chunk, placing each chunk on the map by its map neighbours. */
async function annotateChunks(app, state, body, n, onProgress) {
  const results = new Array(n);
  let done = 0;
  const chunks = [];
  for (let s = 0; s < n; s += CHUNK) chunks.push([s, Math.min(n, s + CHUNK)]);
  // Two requests in flight: the server has two workers by default.
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const [s, e] = chunks[next++];
      const embeddings = rowsOf(state.cells, s, e);
      const [annotated, found] = await Promise.all([
        postJson('/v1/annotate', { ...body, embeddings }),
        app.map ? postJson('/v1/search', { embeddings, k: PLACE_K }) : null,
      ]);
      annotated.cells.forEach((c, j) => (results[s + j] = c));
      if (found) placeByNeighbours(app.map, found.results, s, state.positions);
      done += e - s;
      onProgress(done);
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

/**
 * Annotates `state.cells` into `state.calls` and `state.positions`, then has `showCalls()` render them;
 * a failed request ends the run with its message in `status`.
 */
export async function runAnnotation(app, state, { status, showCalls }) {
  if (!state.cells) return;
  const body = readOptions();
  $('annotate-run').disabled = true;
  const progress = $('annotate-progress');
  progress.hidden = false;
  progress.value = 0;
  const t0 = performance.now();
  const n = state.cells.n;
  state.positions = new Float32Array(2 * n).fill(NaN);
  let results;
  try {
    results = await annotateChunks(app, state, body, n, (done) => {
      progress.value = done / n;
      status(`annotating… ${done.toLocaleString('en-US')} / ${n.toLocaleString('en-US')} cells`);
    });
  } catch (err) {
    status(err.message, true);
    progress.hidden = true;
    $('annotate-run').disabled = false;
    return;
  }
  state.calls = results;
  showCalls();
  progress.hidden = true;
  $('annotate-run').disabled = false;
  $('annotate-download').disabled = false;
  const seconds = (performance.now() - t0) / 1000;
  const out = state.calls.filter((c) => c.out_of_reference).length;
  status(`${n.toLocaleString('en-US')} cells annotated in ${seconds.toFixed(1)} s (k = ${body.k}); ${out} out of reference`);
  $('annotate-table').dataset.seconds = seconds.toFixed(2);
}
