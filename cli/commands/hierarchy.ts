import { readFile } from 'node:fs/promises';
import { AtlasError, LEVEL_COLUMNS } from '../../common/index.js';
import { DEFAULT_OBO_URL, loadOntology, resolveHierarchy, type HierarchyRow } from '../../ontology/index.js';
import { requireString, type Command } from '../command.js';

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
export const hierarchyCommand: Command = {
  name: 'hierarchy',
  summary: 'map Cell Ontology labels to the 4 hierarchy levels',
  usage: [
    'usage: fractal-atlas hierarchy --names FILE [--obo PATH|URL] [--json] [--cache-dir DIR]',
    '',
    '  --names FILE      one cell type label per line (blank lines ignored)',
    `  --obo PATH|URL    Cell Ontology OBO file or URL (default ${DEFAULT_OBO_URL}, downloaded once)`,
    '  --cache-dir DIR   download cache (default $XDG_CACHE_HOME/fractal-atlas or ~/.cache/fractal-atlas)',
    '  --json            print one JSON object name → levels instead of a TSV table',
    '',
    'Prints name, cl_id, level1_system, level2_lineage, level3_type, level4_subtype per label.',
    'Labels that match no term are reported together and the command exits non-zero.',
  ].join('\n'),
  options: {
    names: { type: 'string' },
    obo: { type: 'string' },
    'cache-dir': { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `hierarchy: unexpected argument ${JSON.stringify(positionals[0])}`);
    const namesPath = requireString(values, 'names', 'hierarchy');
    const obo = values.obo === undefined ? DEFAULT_OBO_URL : requireString(values, 'obo', 'hierarchy');
    const cacheDir = values['cache-dir'] === undefined ? undefined : requireString(values, 'cache-dir', 'hierarchy');
    const names = await readNamesFile(namesPath);
    const { graph } = await loadOntology(obo, { cacheDir });
    const rows = resolveHierarchy(graph, names);
    io.stdout.write(values.json === true ? formatHierarchyJson(names, rows) : formatHierarchyTsv(names, rows));
  },
};
