// The only file of ontology/ that touches the file system or the network; parsing and levels stay pure.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { AtlasError } from '../common/index.js';
import { buildOntologyGraph, type OntologyGraph } from './graph.js';
import { parseLabelMap } from './label-map.js';
import { parseObo, type OboDocument } from './obo-parser.js';

/** Where `--obo` points by default: the current Cell Ontology basic release. */
export const DEFAULT_OBO_URL = 'http://purl.obolibrary.org/obo/cl/cl-basic.obo';

/** Options of {@link loadOntology}. */
export interface LoadOntologyOptions {
  /** Download cache folder; default `$XDG_CACHE_HOME/fractal-atlas` or `~/.cache/fractal-atlas`. */
  readonly cacheDir?: string;
  /** Download timeout in milliseconds (default 120 s). */
  readonly timeoutMs?: number;
}

/** A loaded ontology: the parsed document, its graph, and the local file it was read from. */
export interface LoadOntologyResult {
  readonly document: OboDocument;
  readonly graph: OntologyGraph;
  readonly path: string;
}

/** The default download cache folder. */
export function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.cache'), 'fractal-atlas');
}

function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** The cache file for a URL: its last path segment plus a hash of the whole URL (two URLs never collide). */
export function cachePathFor(url: string, cacheDir: string): string {
  const base = (new URL(url).pathname.split('/').pop() || 'ontology.obo').replace(/[^A-Za-z0-9._-]/g, '_');
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 12);
  return join(cacheDir, `${hash}-${base}`);
}

async function readLocal(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AtlasError('file_not_found', `ontology file not found: ${path}`);
    if (code === 'EISDIR') throw new AtlasError('invalid_argument', `ontology path is a folder, not an OBO file: ${path}`);
    throw new AtlasError('file_not_found', `cannot read ontology file ${path}: ${(err as Error).message}`);
  }
}

async function download(url: string, timeoutMs: number): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new AtlasError('download_failed', `cannot download the ontology from ${url} (${why}); pass --obo with a local cl-basic.obo`);
  }
  if (!res.ok) {
    throw new AtlasError('download_failed', `cannot download the ontology from ${url}: HTTP ${res.status}; pass --obo with a local cl-basic.obo`);
  }
  try {
    return await res.text();
  } catch (err) {
    throw new AtlasError('download_failed', `download of ${url} broke off: ${(err as Error).message}`);
  }
}

/**
 * Reads an OBO source (a local path, or an http(s) URL downloaded once into the cache) and parses it;
 * returns the document and the local file's path. A download is parsed before it is cached, so an error page is never cached.
 */
async function readOboSource(source: string, options: LoadOntologyOptions = {}): Promise<{ path: string; document: OboDocument }> {
  if (!isUrl(source)) {
    const text = await readLocal(source);
    return { path: source, document: parseObo(text) };
  }
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const path = cachePathFor(source, cacheDir);
  try {
    const text = await readFile(path, 'utf8');
    return { path, document: parseObo(text) };
  } catch {
    // Not cached yet (or the cached copy is unreadable): download again.
  }
  const text = await download(source, options.timeoutMs ?? 120_000);
  const document = parseObo(text);
  try {
    await mkdir(cacheDir, { recursive: true });
    const part = `${path}.${process.pid}.part`;
    await writeFile(part, text, 'utf8');
    await rename(part, path);
  } catch (err) {
    throw new AtlasError('download_failed', `downloaded ${source} but cannot cache it in ${cacheDir}: ${(err as Error).message}`);
  }
  return { path, document };
}

/**
 * Loads the Cell Ontology from a local path or an http(s) URL (default {@link DEFAULT_OBO_URL}, downloaded
 * once into the cache) and builds its child → parent graph.
 */
export async function loadOntology(source: string = DEFAULT_OBO_URL, options: LoadOntologyOptions = {}): Promise<LoadOntologyResult> {
  const { document, path } = await readOboSource(source, options);
  return { document, graph: buildOntologyGraph(document), path };
}

/** Reads a label map file (see {@link parseLabelMap}): atlas label → CL id or CL name. */
export async function readLabelMap(path: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new AtlasError('file_not_found', `label map not found: ${path}`);
    throw new AtlasError('invalid_argument', `cannot read label map ${path}: ${code ?? (err as Error).message}`);
  }
  return parseLabelMap(text, path);
}
