// A query cell's calls as the annotate view shows and exports them: which label each served level gets, and
// the CSV download of all calls.

/** The served level columns, coarse to fine: the ones the annotate API answers for. */
export const servedColumns = (app) => app.info.levels.map((l) => l.column);

/**
 * A cell's call at one level: the hierarchy-consistent call where the server gave one, else the level's own
 * vote, else unassigned (a level the cell got no vote at).
 */
export const callOf = (call, column) => call.consistent?.[column] ?? call.levels?.[column] ?? { label: 'unassigned', confidence: 0 };

function csvField(v) {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The calls as CSV: a row per cell, label and confidence per served level, then distance and the flag. */
function callsCsv(calls, ids, served) {
  const header = ['cell_id', ...served.flatMap((c) => [c, `${c}_confidence`]), 'nearest_distance', 'out_of_reference'];
  const lines = [header.join(',')];
  calls.forEach((call, i) => {
    const fields = [ids[i]];
    for (const c of served) {
      const { label, confidence } = callOf(call, c);
      fields.push(label, confidence.toFixed(4));
    }
    fields.push(call.nearest_distance ?? '', call.out_of_reference);
    lines.push(fields.map(csvField).join(','));
  });
  return `${lines.join('\n')}\n`;
}

/** Saves the calls of `cells` as `<file name>-calls.csv` through a temporary link. */
export function downloadCallsCsv(calls, cells, served) {
  const blob = new Blob([callsCsv(calls, cells.ids, served)], { type: 'text/csv' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${(cells.name.split(/[ /]/)[0] || 'cells').replace(/\.[^.]+$/, '')}-calls.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  // The browser may still be reading the blob when click() returns.
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}
