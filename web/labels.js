// Levels, label colours and Cell Ontology links, shared by every view.

/** `level2_lineage` → `lineage`, as the API speaks. */
export function shortName(column) {
  return column.replace(/^level\d+_/, '');
}

const BASE_PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94', '#f7b6d2', '#c7c7c7', '#dbdb8d', '#9edae5',
];

function hexToRgb(hex) {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function hslToRgb(h, s, l) {
  const f = (n) => {
    const k = (n + h / 30) % 12;
    const a = s * Math.min(l, 1 - l);
    return Math.round(255 * (l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/**
 * One colour per label code of a level: the most frequent labels get the distinct base colours, the rest
 * golden-angle hues. Returns [r, g, b] per code.
 */
export function paletteFor(counts) {
  const order = counts.map((c, i) => [c, i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  const colours = new Array(counts.length);
  order.forEach(([, code], rank) => {
    colours[code] = rank < BASE_PALETTE.length ? hexToRgb(BASE_PALETTE[rank]) : hslToRgb((rank * 137.508) % 360, 0.55, 0.55);
  });
  return colours;
}

export const rgbCss = ([r, g, b]) => `rgb(${r}, ${g}, ${b})`;

/** Link to a Cell Ontology term (OLS), or to an OLS search by name where the id is unknown. */
export function clLink(label, clId) {
  const a = document.createElement('a');
  a.textContent = label;
  a.target = '_blank';
  a.rel = 'noopener';
  if (clId) {
    a.href = `https://www.ebi.ac.uk/ols4/ontologies/cl/classes?obo_id=${encodeURIComponent(clId)}`;
    a.title = clId;
  } else {
    a.href = `https://www.ebi.ac.uk/ols4/search?q=${encodeURIComponent(label)}&ontology=cl`;
    a.title = 'search the Cell Ontology for this name';
  }
  return a;
}

/** A label cell for tables: "unassigned" greyed, others linked. */
export function labelCell(label, clId) {
  const td = document.createElement('td');
  if (label === 'unassigned') {
    td.textContent = label;
    td.className = 'unassigned';
  } else {
    td.append(clLink(label, clId));
  }
  return td;
}

/** Horizontal bars "label — count" for one level (search summary, annotate summary). */
export function renderBars(container, title, entries, colourOf) {
  const box = document.createElement('div');
  box.className = 'bar-group';
  const h = document.createElement('h4');
  h.textContent = title;
  box.append(h);
  const max = Math.max(1, ...entries.map(([, n]) => n));
  for (const [label, n] of entries) {
    const row = document.createElement('div');
    row.className = 'bar-row';
    const name = document.createElement('span');
    name.className = 'bar-label';
    name.textContent = label;
    name.title = label;
    const track = document.createElement('span');
    track.className = 'bar-track';
    const bar = document.createElement('span');
    bar.className = 'bar';
    bar.style.width = `${(100 * n) / max}%`;
    const colour = colourOf?.(label);
    if (colour) bar.style.background = colour;
    track.append(bar);
    const count = document.createElement('span');
    count.className = 'bar-count';
    count.textContent = n.toLocaleString('en-US');
    row.append(name, track, count);
    box.append(row);
  }
  container.append(box);
}
