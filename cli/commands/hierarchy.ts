import { readFile } from 'node:fs/promises';
import { AtlasError } from '../../common/index.js';
import {
  DEFAULT_OBO_URL,
  LEVEL_COLUMNS,
  formatLevelCounts,
  loadOntology,
  readLabelMap,
  resolveHierarchy,
  summarizeLevels,
  type HierarchyOptions,
  type HierarchyRow,
} from '../../ontology/index.js';
import { requireString, type Command, type CommandOptions } from '../command.js';

/** The label options shared by every command that reads cell labels (`hierarchy`, `ingest`). */
export const LABEL_OPTIONS: CommandOptions = {
  'label-map': { type: 'string' },
  'subtype-names': { type: 'string' },
};

/** Usage lines of {@link LABEL_OPTIONS}, padded to `width`. */
export function labelOptionsUsage(width: number): string[] {
  return [
    `  ${'--label-map FILE'.padEnd(width)}atlas label <TAB> CL id or CL name, one per line (# comments allowed);`,
    `  ${''.padEnd(width)}labels not in the map are looked up as they are (names, synonyms, CL ids)`,
    `  ${'--subtype-names M'.padEnd(width)}level 4 value: label (default, the atlas's own label) or cl (the CL term name)`,
  ];
}

/** Reads `--label-map` and `--subtype-names` into hierarchy options. */
export async function readLabelOptions(values: Record<string, unknown>, command: string): Promise<HierarchyOptions> {
  const mode = values['subtype-names'] ?? 'label';
  if (mode !== 'label' && mode !== 'cl') throw new AtlasError('invalid_argument', `${command}: --subtype-names must be label or cl, got ${JSON.stringify(mode)}`);
  const labelMap = values['label-map'] === undefined ? undefined : await readLabelMap(requireString(values, 'label-map', command));
  return { labelMap, subtypeNames: mode };
}

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
    obj[name] = { cl_id: r.cl_id, level1_system: r.level1_system, level2_lineage: r.level2_lineage, level3_type: r.level3_type, level4_subtype: r.level4_subtype };
  }
  return `${JSON.stringify(obj, null, 2)}\n`;
}

/** `fractal-atlas hierarchy`: Cell Ontology labels → 4 hierarchy levels. */
export const hierarchyCommand: Command = {
  name: 'hierarchy',
  summary: 'map Cell Ontology labels to the 4 hierarchy levels',
  usage: [
    'usage: fractal-atlas hierarchy --names FILE [--obo PATH|URL] [--label-map FILE] [--subtype-names label|cl] [--json]',
    '',
    '  --names FILE      one cell type label per line (blank lines ignored)',
    `  --obo PATH|URL    Cell Ontology OBO file or URL (default ${DEFAULT_OBO_URL}, downloaded once)`,
    '  --cache-dir DIR   download cache (default $XDG_CACHE_HOME/fractal-atlas or ~/.cache/fractal-atlas)',
    ...labelOptionsUsage(18),
    '  --json            print one JSON object name → levels instead of a TSV table',
    '',
    'Prints name, cl_id, level1_system, level2_lineage, level3_type, level4_subtype per label on stdout,',
    'then the number of categories per level on stderr. A label may be a CL name, an EXACT synonym or a',
    'CL id (CL:0000860, CL_0000860, purl IRI). Labels that match no term are all reported, each with up to',
    '3 suggestions, and the command exits non-zero without printing a table.',
  ].join('\n'),
  options: {
    names: { type: 'string' },
    obo: { type: 'string' },
    'cache-dir': { type: 'string' },
    json: { type: 'boolean' },
    ...LABEL_OPTIONS,
  },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `hierarchy: unexpected argument ${JSON.stringify(positionals[0])}`);
    const namesPath = requireString(values, 'names', 'hierarchy');
    const obo = values.obo === undefined ? DEFAULT_OBO_URL : requireString(values, 'obo', 'hierarchy');
    const cacheDir = values['cache-dir'] === undefined ? undefined : requireString(values, 'cache-dir', 'hierarchy');
    const labelOptions = await readLabelOptions(values, 'hierarchy');
    const names = await readNamesFile(namesPath);
    const { graph } = await loadOntology(obo, { cacheDir });
    const rows = resolveHierarchy(graph, names, labelOptions);
    io.stdout.write(values.json === true ? formatHierarchyJson(names, rows) : formatHierarchyTsv(names, rows));
    io.stderr.write(`${names.length} label(s); ${formatLevelCounts(summarizeLevels(rows.values()))}\n`);
  },
};
