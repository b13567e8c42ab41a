// Hierarchy: the reference's four-level tree with cell counts (from the map header's level table),
// expandable; clicking a name focuses the map and the search on it.
import { clLink, shortName } from './labels.js';

const $ = (id) => document.getElementById(id);

export function createHierarchyView(app) {
  const root = $('hierarchy-tree');
  const table = app.map?.header.level_table;
  if (!table) {
    root.textContent = 'The tree comes with the reference map, which this index lacks (built with --no-map); the legend of the map view lists the labels per level.';
    return {};
  }
  // Nested nodes: {label, column, cells, children: Map}.
  const top = { children: new Map(), cells: 0 };
  for (const tuple of table) {
    const cells = tuple[tuple.length - 1];
    top.cells += cells;
    let node = top;
    app.columns.forEach((column, l) => {
      const label = app.info.vocabularies[column][tuple[l]];
      let child = node.children.get(label);
      if (!child) node.children.set(label, (child = { label, column, cells: 0, children: new Map() }));
      child.cells += cells;
      node = child;
    });
  }
  const render = (node, depth) => {
    const kids = [...node.children.values()].sort((a, b) => b.cells - a.cells);
    const list = document.createElement('ul');
    for (const kid of kids) {
      const li = document.createElement('li');
      const name = document.createElement('button');
      name.type = 'button';
      name.className = 'link node';
      name.textContent = kid.label;
      name.title = `focus on ${shortName(kid.column)} ${kid.label}`;
      name.dataset.column = kid.column;
      name.addEventListener('click', (e) => {
        e.preventDefault();
        app.setFocus({ column: kid.column, label: kid.label });
      });
      const count = Object.assign(document.createElement('span'), { className: 'count', textContent: kid.cells.toLocaleString('en-US') });
      const level = Object.assign(document.createElement('span'), { className: 'muted small', textContent: shortName(kid.column) });
      const term = clLink('CL', app.clIdOf(kid.column, kid.label));
      term.className = 'small';
      const line = [name, ' ', count, ' ', level, ' ', term];
      if (kid.children.size > 0 && depth < app.columns.length - 1) {
        const details = document.createElement('details');
        if (depth === 0) details.open = true;
        const summary = document.createElement('summary');
        summary.append(...line);
        details.append(summary, render(kid, depth + 1));
        li.append(details);
      } else {
        li.append(...line);
      }
      list.append(li);
    }
    return list;
  };
  const head = Object.assign(document.createElement('p'), { textContent: `${top.cells.toLocaleString('en-US')} cells` });
  root.replaceChildren(head, render(top, 0));
  return {};
}
