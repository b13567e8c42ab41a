/**
 * Import a labelled embedding file into an atlas: AnnData `.h5ad` (obsm or X), NumPy `.npy` plus a labels
 * table, or a CSV/TSV. Opens the source by its extension, resolves labels through the Cell Ontology, streams.
 */
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { openH5adCounts, type H5adCounts, type OpenH5adCountsOptions } from './h5ad-counts.js';
import { openTenxCounts } from './tenx-counts.js';
import { AtlasError } from '../../common/index.js';
import { loadOntology, parseClId, resolveHierarchy, type HierarchyOptions, type HierarchyRow, type OntologyGraph } from '../../ontology/index.js';
import { openDelimitedSource, readTableObs } from './delimited-source.js';
import { openH5adSource, type H5adMatrix } from './h5ad-source.js';
import { openNpyMatrix } from './npy-source.js';
import { importToAtlas, type ImportPipelineOptions, type ImportResult, type LabelSpec } from './run-import.js';
import type { ImportSource } from './types.js';

export { MAX_X_WIDTH, openH5adSource } from './h5ad-source.js';
export type { H5adMatrix } from './h5ad-source.js';
export { openH5adCounts } from './h5ad-counts.js';
export type { CountsBlock, CountsMatrix, H5adCounts, OpenH5adCountsOptions } from './h5ad-counts.js';
export { openTenxCounts } from './tenx-counts.js';
export { openNpyMatrix } from './npy-source.js';
export { loadH5 as loadH5wasm } from './h5wasm-file.js';
export { openDelimitedSource, readTableObs } from './delimited-source.js';
export type { ImportSource, MatrixSource, ObsSource, SourceColumn } from './types.js';
export { parseNpyHeader } from './npy-source.js';
export { splitFields } from './delimited-source.js';
export type { ImportResult, LabelSpec } from './run-import.js';

/** Input formats, chosen by extension. */
export type ImportFormat = 'h5ad' | 'npy' | 'table';

/** Options of {@link importAtlas}. */
export interface ImportOptions extends Omit<ImportPipelineOptions, 'resolve'> {
  readonly input: string;
  /** `.h5ad`: which matrix (obsm key or X). */
  readonly matrix?: H5adMatrix;
  /** `.npy`: the table (TSV/CSV with a header) holding labels, ids and extra columns, one row per matrix row. */
  readonly labelsFile?: string;
  /** Cell Ontology OBO path or URL. */
  readonly obo: string;
  readonly cacheDir?: string;
  /** Label map (label → CL id or name) and level-4 naming, as `hierarchy` and `ingest` take them. */
  readonly labelOptions?: HierarchyOptions;
}

/** Input file extensions → the reader for them (import and annotate share these). */
const FORMAT_BY_EXTENSION: Readonly<Record<string, ImportFormat>> = { '.h5ad': 'h5ad', '.h5': 'h5ad', '.npy': 'npy', '.csv': 'table', '.tsv': 'table', '.txt': 'table', '.tab': 'table' };

/** The reader for `path` by its extension, or null when none takes it. */
export function matrixFormatOf(path: string): ImportFormat | null {
  return FORMAT_BY_EXTENSION[extname(path).toLowerCase()] ?? null;
}

/** The format of an input path, from its extension. */
function importFormatOf(path: string): ImportFormat {
  const format = matrixFormatOf(path);
  if (format) return format;
  throw new AtlasError('invalid_argument', `cannot tell the format of ${path}: use .h5ad, .npy (with --labels) or .csv/.tsv`);
}

function labelColumnOf(labels: LabelSpec): string {
  return 'labelColumn' in labels ? labels.labelColumn : labels.clIdColumn;
}

async function openSource(options: ImportOptions): Promise<ImportSource> {
  const format = importFormatOf(options.input);
  const meta = [labelColumnOf(options.labels), ...(options.idColumn ? [options.idColumn] : []), ...(options.keepColumns ?? [])];
  if (format === 'h5ad') {
    if (!options.matrix) throw new AtlasError('invalid_argument', 'an .h5ad import needs --obsm KEY or --X');
    return openH5adSource(options.input, options.matrix);
  }
  if (options.matrix) throw new AtlasError('invalid_argument', '--obsm and --X apply to .h5ad input only');
  if (format === 'npy') {
    if (!options.labelsFile) throw new AtlasError('invalid_argument', 'an .npy import needs --labels FILE (a TSV/CSV with a header, one row per matrix row)');
    const obs = await readTableObs(options.labelsFile, meta);
    const matrix = await openNpyMatrix(options.input);
    return { path: options.input, matrix, obs, close: () => matrix.close() };
  }
  if (options.labelsFile) throw new AtlasError('invalid_argument', '--labels applies to .npy input only (a CSV/TSV carries its own label column)');
  const { matrix, obs } = await openDelimitedSource(options.input, meta);
  return { path: options.input, matrix, obs, close: async () => undefined };
}

/** A `--cl-id-column` must hold CL ids: names there mean the wrong flag was given. */
function requireClIds(values: readonly string[]): void {
  const names = values.filter((v) => parseClId(v) === undefined);
  if (names.length > 0) {
    const listed = names.slice(0, 5).map((u) => JSON.stringify(u)).join(', ');
    throw new AtlasError('invalid_input', `${names.length} value(s) of the CL id column are not CL ids (${listed}${names.length > 5 ? ', …' : ''}); for names use --label-column`);
  }
}

/** Imports `options.input` into an atlas at `options.out`. */
export async function importAtlas(options: ImportOptions): Promise<ImportResult> {
  const source = await openSource(options);
  let graph: OntologyGraph | null = null;
  const resolve = async (values: readonly string[], kind: 'label' | 'cl'): Promise<ReadonlyMap<string, HierarchyRow>> => {
    if (kind === 'cl') requireClIds(values);
    graph ??= (await loadOntology(options.obo, { cacheDir: options.cacheDir })).graph;
    return resolveHierarchy(graph, values, options.labelOptions);
  };
  try {
    return await importToAtlas(source, { ...options, resolve });
  } finally {
    await source.close();
  }
}

/**
 * Raw counts for the expression encoder: a 10x matrix folder (a directory) or an AnnData `.h5ad` file
 * (`options` apply to the .h5ad: which matrix, which var column holds symbols).
 */
export async function openCounts(path: string, options: OpenH5adCountsOptions = {}): Promise<H5adCounts> {
  const isDir = await stat(path).then((s) => s.isDirectory(), () => false);
  if (!isDir) return openH5adCounts(path, options);
  if (options.matrix === 'X' || options.geneColumn !== undefined) throw new AtlasError('invalid_argument', `${path} is a 10x folder: --matrix and --gene-column apply to .h5ad files only`);
  return openTenxCounts(path);
}
