// The query cells the annotate view reads: a file picked or dropped, parsed by its extension. An .h5ad
// holds several obsm matrices, so it stays open until the user picks the one with the embeddings.
import { openH5ad, parseArrow, parseDelimited } from './parse-input.js';

const $ = (id) => document.getElementById(id);

/**
 * Returns `readFile(file)`: it parses the file into cells of `dim` values each and hands them to
 * `onCells(cells, name)`; progress and problems go to `status(text, isError)`.
 */
export function createCellsReader(dim, { status, onCells }) {
  let h5 = null;

  /** Lists the open file's obsm keys (the first `dim`-wide one chosen) and loads the one the user picks. */
  function showObsmPicker(file) {
    const select = $('obsm-key');
    select.replaceChildren(...h5.keys.map(({ key, shape }) => new Option(`${key} (${shape[0]} × ${shape[1]})`, key)));
    const fitting = h5.keys.find((k) => k.shape[1] === dim);
    if (fitting) select.value = fitting.key;
    $('obsm-picker').hidden = false;
    status(`${file.name}: pick the obsm key holding the ${dim}-d embeddings`);
    $('obsm-load').onclick = () => {
      try {
        onCells(h5.load(select.value, dim), `${file.name} obsm/${select.value}`);
      } catch (err) {
        status(err.message, true);
      }
    };
  }

  return async function readFile(file) {
    h5?.close();
    h5 = null;
    $('obsm-picker').hidden = true;
    $('annotate-run').disabled = true;
    status(`reading ${file.name}…`);
    try {
      const lower = file.name.toLowerCase();
      if (lower.endsWith('.h5ad') || lower.endsWith('.h5')) {
        h5 = await openH5ad(await file.arrayBuffer());
        showObsmPicker(file);
      } else if (/\.(arrow|feather|ipc)$/.test(lower)) {
        onCells(await parseArrow(await file.arrayBuffer(), dim), file.name);
      } else {
        onCells(parseDelimited(await file.text(), dim), file.name);
      }
    } catch (err) {
      status(`${file.name}: ${err.message}`, true);
    }
  };
}

/** Calls `onFile` with the file chosen in `input` or dropped on `zone`. */
export function bindFileDrop(input, zone, onFile) {
  input.addEventListener('change', () => input.files[0] && onFile(input.files[0]));
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer.files[0];
    if (file) onFile(file);
  });
}
