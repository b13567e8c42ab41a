import { readFile } from 'node:fs/promises';
import { AtlasError, LEVEL_COLUMNS } from '../../common/index.js';
import { DEFAULT_OBO_URL, formatLevelCounts, loadOntology, resolveHierarchy, summarizeLevels, type HierarchyRow } from '../../ontology/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';
import { LABEL_OPTIONS, ONTOLOGY_OPTIONS, readLabelOptions } from '../shared-options.js';

/** Reads a names file: one label per line, surrounding whitespace trimmed, blank lines ignored, order kept. */
export async function readNamesFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new AtlasError(code === 'ENOENT' ? 'file_not_found' : 'invalid_argument', `cannot read names file ${path}: ${code ?? (err as Error).message}`);
  }
  const names: string[] = [];
  const seen = new Set<string>();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const name = raw.trim();
    if (name === '') continue;
    if (name.includes('\t')) throw new AtlasError('invalid_argument', `names file ${path} line ${i + 1} contains a tab; give one label per line`);
    if (!seen.has(name)) {
      seen.add(name);
      names.push(name);
    }
  }
  if (names.length === 0) throw new AtlasError('invalid_argument', `names file ${path} has no names`);
  return names;
}

/** Formats rows as a TSV table: name, cl_id, then the 4 level columns, with a header line. */
export function formatHierarchyTsv(names: readonly string[], rows: ReadonlyMap<string, HierarchyRow>): string {
  const lines = [['name', 'cl_id', ...LEVEL_COLUMNS].join('\t')];
  for (const name of names) {
    const r = rows.get(name) as HierarchyRow;
    lines.push([name, r.cl_id ?? '', ...LEVEL_COLUMNS.map((c) => r[c])].join('\t'));
  }
  return `${lines.join('\n')}\n`;
}

/** Formats rows as one JSON object: name → {cl_id, level1_system, …, level4_subtype}. */
export function formatHierarchyJson(names: readonly string[], rows: ReadonlyMap<string, HierarchyRow>): string {
  const obj: Record<string, HierarchyRow> = {};
  for (const name of names) {
    const r = rows.get(name) as HierarchyRow;
    obj[name] = { cl_id: r.cl_id, ...Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, r[c]])) } as HierarchyRow;
  }
  return `${JSON.stringify(obj, null, 2)}\n`;
}

/** `fractal-atlas hierarchy`: Cell Ontology labels → 4 hierarchy levels. */
export const hierarchyCommand = defineCommand({
  name: 'hierarchy',
  summary: 'map Cell Ontology labels to the 4 hierarchy levels',
  synopsis: ['--names FILE [--obo PATH|URL] [--label-map FILE] [--subtype-names label|cl] [--json]'],
  options: {
    names: option.required('FILE', 'one cell type label per line (blank lines ignored)'),
    ...ONTOLOGY_OPTIONS,
    ...LABEL_OPTIONS,
    json: option.flag('print one JSON object name → levels instead of a TSV table'),
  },
  notes: [
    `Prints name, cl_id, ${LEVEL_COLUMNS.join(', ')} per label on stdout,`,
    'then the number of categories per level on stderr. A label may be a CL name, an EXACT synonym or a',
    'CL id (CL:0000860, CL_0000860, purl IRI). Labels that match no term are all reported, each with up to',
    '3 suggestions, and the command exits non-zero without printing a table.',
  ],
  async run(o, io) {
    const labelOptions = await readLabelOptions(o);
    const names = await readNamesFile(o.names);
    const { graph } = await loadOntology(o.obo ?? DEFAULT_OBO_URL, { cacheDir: o['cache-dir'] });
    const rows = resolveHierarchy(graph, names, labelOptions);
    io.stdout.write(o.json ? formatHierarchyJson(names, rows) : formatHierarchyTsv(names, rows));
    io.stderr.write(`${names.length} label(s); ${formatLevelCounts(summarizeLevels(rows.values()))}\n`);
  },
});
