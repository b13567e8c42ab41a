/** Options several commands share, declared once. */
import { COMPRESSIONS } from '../atlas/index.js';
import { VERIFY_MODES } from '../index-files/index.js';
import { API_KEY_ENV, DEFAULT_HEADERS_TIMEOUT_MS, DEFAULT_MAX_CONNECTIONS, DEFAULT_REQUEST_TIMEOUT_MS } from '../server/index.js';
import { DEFAULT_OBO_URL, readLabelMap, type HierarchyOptions } from '../ontology/index.js';
import { AtlasError } from '../common/index.js';
import { MAP_DEFAULTS, type ReferenceMapOptions } from '../index-build/index.js';
import { DEFAULT_MIN_GENE_OVERLAP } from '../adapter/index.js';
import { option, parseIntOption } from './options.js';

export const compressionOption = (help = `${COMPRESSIONS.join(' (default) or ')}`) => option.choice('C', help, COMPRESSIONS, COMPRESSIONS[0]);

/** `--obo` and `--cache-dir` of the commands that load the Cell Ontology. */
export const ONTOLOGY_OPTIONS = {
  obo: option.text('PATH|URL', `Cell Ontology OBO file or URL (default ${DEFAULT_OBO_URL}, downloaded once)`),
  'cache-dir': option.text('DIR', 'download cache (default $XDG_CACHE_HOME/fractal-atlas or ~/.cache/fractal-atlas)'),
};

/** The network options of `serve` and `start`; an absent `--port` reads `portEnv` (when named), else 8080. */
export function networkOptions(portHelp: string, portEnv?: string) {
  return {
    port: option.custom('N', portHelp, (v, fail) => {
      const fromEnv = portEnv === undefined || process.env[portEnv] === '' ? undefined : process.env[portEnv];
      const raw = v ?? fromEnv;
      return raw === undefined ? 8080 : parseIntOption(raw, 0, 65535, fail);
    }),
    host: option.custom('H', 'interface to bind (default 127.0.0.1; 0.0.0.0 for every interface)', (v) => (v === undefined || v === '' ? '127.0.0.1' : v)),
    'api-key': option.custom('K', `require "Authorization: Bearer K" on /v1 (default: $${API_KEY_ENV}, else no auth)`, (v, fail) => {
      const key = v ?? process.env[API_KEY_ENV];
      if (key !== undefined && key.trim().length === 0) fail(`(or ${API_KEY_ENV}) must not be empty`);
      // A client sends the key as "Authorization: Bearer <key>": a space, control or non-ASCII character could
      // never arrive intact, so the server would start and then refuse every request.
      const bad = key === undefined ? -1 : [...key].findIndex((ch) => !/^[\x21-\x7e]$/.test(ch));
      if (bad >= 0) {
        const ch = [...key!][bad]!.codePointAt(0)!;
        const name = ch === 0x20 ? 'a space' : ch < 0x20 || ch === 0x7f ? 'a control character' : 'a non-ASCII character';
        fail(`(or ${API_KEY_ENV}) contains ${name} at position ${bad + 1}; a bearer token may only use printable ASCII without spaces (e.g. openssl rand -hex 32)`);
      }
      if (key !== undefined && key.length > 1024) fail(`(or ${API_KEY_ENV}) is ${key.length} characters; at most 1024`);
      return key;
    }),
    cors: option.custom('ORIGIN', 'send CORS headers for ORIGIN (or *); off by default', (v, fail) => {
      if (v !== undefined && v !== '*' && !/^https?:\/\/[^/\s]+$/.test(v)) fail(`must be "*" or an origin like https://app.example.org, got ${JSON.stringify(v)}`);
      return v;
    }),
    workers: option.int('N', 'worker threads running the adapter and the searches (default 2)', { fallback: 2, min: 0, max: 64 }),
    threads: option.int('N', 'usearch / onnxruntime threads inside each worker (default 1)', { fallback: 1, min: 1, max: 256 }),
    verify: option.choice('M', ['checks before listening: none (manifest schema, sizes), quick (+ usearch headers, cell-id offsets,', 'label codes), full (+ xxh64 of every file; default); `fractal-atlas verify` runs them without serving'], VERIFY_MODES, 'full'),
    'header-timeout': option.int('S', `seconds a client may take to send the request headers (default ${DEFAULT_HEADERS_TIMEOUT_MS / 1000})`, { fallback: DEFAULT_HEADERS_TIMEOUT_MS / 1000, min: 1, max: 3600 }),
    'body-timeout': option.int('S', `seconds a client may take to send the whole request (default ${DEFAULT_REQUEST_TIMEOUT_MS / 1000})`, { fallback: DEFAULT_REQUEST_TIMEOUT_MS / 1000, min: 1, max: 3600 }),
    'max-connections': option.int('N', `open connections at once; more are closed on arrival (default ${DEFAULT_MAX_CONNECTIONS})`, { fallback: DEFAULT_MAX_CONNECTIONS, min: 1, max: 1_000_000 }),
  };
}

/** The label options of every command that reads cell labels (`hierarchy`, `ingest`). */
export const LABEL_OPTIONS = {
  'label-map': option.text('FILE', ['atlas label <TAB> CL id or CL name, one per line (# comments allowed);', 'labels not in the map are looked up as they are (names, synonyms, CL ids)']),
  'subtype-names': option.choice('M', "level 4 value: label (default, the atlas's own label) or cl (the CL term name)", ['label', 'cl'] as const, 'label'),
};

/** `--label-map` and `--subtype-names` as hierarchy options (reads the map file). */
export async function readLabelOptions(o: { readonly 'label-map'?: string; readonly 'subtype-names': 'label' | 'cl' }): Promise<HierarchyOptions> {
  return { labelMap: o['label-map'] === undefined ? undefined : await readLabelMap(o['label-map']), subtypeNames: o['subtype-names'] };
}

/** `--map-size` and `--map-seed` of `build` and `map` (the web page's reference map). */
export const MAP_OPTIONS = {
  'map-size': option.optionalInt('N', `cells of the reference map, a stratified sample by subtype (default ${MAP_DEFAULTS.size})`, { min: 1, max: MAP_DEFAULTS.maxSize }),
  'map-seed': option.optionalInt('S', `seed of the map sample and its UMAP layout (default ${MAP_DEFAULTS.seed})`, { min: 0, max: 2 ** 32 - 1 }),
};

/** The map options of `build` (false with `--no-map`, which takes no map option beside it). */
export function readMapOptions(o: { readonly 'map-size'?: number; readonly 'map-seed'?: number; readonly 'no-map'?: boolean }): ReferenceMapOptions | false {
  if (o['no-map']) {
    if (o['map-size'] !== undefined || o['map-seed'] !== undefined) throw new AtlasError('invalid_argument', 'build: --no-map cannot be combined with --map-size or --map-seed');
    return false;
  }
  return { size: o['map-size'] ?? MAP_DEFAULTS.size, seed: o['map-seed'] ?? MAP_DEFAULTS.seed };
}

/** Where `encode` and `annotate --expression` read raw counts, and how many of the encoder's genes they need. */
export const COUNTS_OPTIONS = {
  matrix: option.custom('counts|X', "where the raw counts are (default counts = layers['counts'], as SCimilarity requires)", (v, fail): 'counts' | 'X' | undefined => {
    if (v === undefined) return undefined;
    if (v === 'counts' || v === 'X') return v;
    return fail(`must be one of counts, X, got ${JSON.stringify(v)}`);
  }),
  'gene-column': option.text('NAME', 'var column with gene symbols (default: the var index; CELLxGENE: feature_name)'),
  'min-gene-overlap': option.int('N', `fewest encoder genes the file must have (default ${DEFAULT_MIN_GENE_OVERLAP})`, { fallback: DEFAULT_MIN_GENE_OVERLAP, min: 1, max: Number.MAX_SAFE_INTEGER }),
};
