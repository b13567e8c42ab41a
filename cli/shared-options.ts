/** Options several commands share, declared once. */
import { COMPRESSIONS } from '../atlas/index.js';
import { API_KEY_ENV } from '../server/index.js';
import { DEFAULT_OBO_URL, readLabelMap, type HierarchyOptions } from '../ontology/index.js';
import { AtlasError } from '../common/index.js';
import { MAP_DEFAULTS, type ReferenceMapOptions } from '../index-build/index.js';
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
      return key;
    }),
    cors: option.custom('ORIGIN', 'send CORS headers for ORIGIN (or *); off by default', (v, fail) => {
      if (v !== undefined && v !== '*' && !/^https?:\/\/[^/\s]+$/.test(v)) fail(`must be "*" or an origin like https://app.example.org, got ${JSON.stringify(v)}`);
      return v;
    }),
    workers: option.int('N', 'worker threads running the adapter and the searches (default 2)', { fallback: 2, min: 0, max: 64 }),
    threads: option.int('N', 'usearch / onnxruntime threads inside each worker (default 1)', { fallback: 1, min: 1, max: 256 }),
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
