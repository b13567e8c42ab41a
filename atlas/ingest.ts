/**
 * SCimilarity annotation reference → atlas Parquet file. Vectors stream out of the hnswlib index in label
 * order (label = row of reference_labels.tsv) one row group at a time; labels are resolved to the 4 levels
 * once per distinct label, and rows carry only Int32 codes. Memory: the label codes and the label → element
 * map (8 bytes per row) plus one row group of vectors.
 */
import { AtlasError, createProgress, LEVEL_COLUMNS, type LevelColumn } from '../common/index.js';
import { loadOntology, resolveHierarchy, type HierarchyOptions, type HierarchyRow } from '../ontology/index.js';
import { MISSING_CL_ID } from './arrow-columns.js';
import { openHnswlibFile } from './hnswlib-file.js';
import { locateScimilarityFiles, readLabelInts, readReferenceLabels } from './scimilarity-files.js';
import { createSummaryCounter, type AtlasSummary } from './summary.js';
import type { Compression } from './parquet-stream.js';
import type { EncodedColumn } from './types.js';
import { DEFAULT_ROW_GROUP_SIZE, createAtlasWriter, type AtlasWriter } from './writer.js';

/** Options of {@link ingestScimilarity}. */
export interface IngestOptions {
  /** SCimilarity model folder (holding `annotation/`), or the annotation folder itself. */
  readonly scimilarityDir: string;
  /** Cell Ontology OBO path or URL (ignored when `hierarchy` is given). */
  readonly obo?: string;
  /** Download cache for a URL `obo`. */
  readonly cacheDir?: string;
  /** Precomputed label → levels table (skips loading the ontology; tests and re-runs). */
  readonly hierarchy?: ReadonlyMap<string, HierarchyRow>;
  /** Label map and level-4 naming, passed to `resolveHierarchy` (ignored when `hierarchy` is given). */
  readonly labels?: HierarchyOptions;
  readonly out: string;
  readonly rowGroupSize?: number;
  readonly compression?: Compression;
  /** Show progress bars (on a TTY only). */
  readonly progress?: boolean;
}

/** What {@link ingestScimilarity} wrote. */
export interface IngestResult {
  readonly dim: number;
  readonly summary: AtlasSummary;
  readonly seconds: number;
}

/** Per-label lookup: label code → code in each level's (and cl_id's) global dictionary. */
interface LabelLevelMap {
  readonly levels: Record<LevelColumn, { dictionary: string[]; codeOfLabel: Int32Array }>;
  readonly clIds: { dictionary: string[]; codeOfLabel: Int32Array };
}

/** Builds the per-label level codes from the resolved hierarchy (pure). */
export function buildLabelLevelMap(labels: readonly string[], hierarchy: ReadonlyMap<string, HierarchyRow>): LabelLevelMap {
  const make = (valueOf: (row: HierarchyRow) => string) => {
    const dictionary: string[] = [];
    const index = new Map<string, number>();
    const codeOfLabel = new Int32Array(labels.length);
    labels.forEach((label, k) => {
      const row = hierarchy.get(label);
      if (!row) throw new AtlasError('unmapped_labels', `label ${JSON.stringify(label)} has no hierarchy row`, { unmapped: [label] });
      const v = valueOf(row);
      let c = index.get(v);
      if (c === undefined) {
        c = dictionary.length;
        dictionary.push(v);
        index.set(v, c);
      }
      codeOfLabel[k] = c;
    });
    return { dictionary, codeOfLabel };
  };
  const levels = Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, make((r) => r[c])])) as LabelLevelMap['levels'];
  return { levels, clIds: make((r) => r.cl_id ?? MISSING_CL_ID) };
}

function remap(labelCodes: Int32Array, map: { dictionary: string[]; codeOfLabel: Int32Array }): EncodedColumn {
  const codes = new Int32Array(labelCodes.length);
  for (let i = 0; i < labelCodes.length; i++) codes[i] = map.codeOfLabel[labelCodes[i]!]!;
  return { codes, dictionary: map.dictionary };
}

/** Ingests a SCimilarity annotation reference into an atlas file at `options.out`. */
export async function ingestScimilarity(options: IngestOptions): Promise<IngestResult> {
  const started = performance.now();
  const files = locateScimilarityFiles(options.scimilarityDir);
  const labels = await readReferenceLabels(files.labelsPath);
  if (files.labelIntsPath) {
    const known = new Set(await readLabelInts(files.labelIntsPath));
    const unknown = labels.vocabulary.filter((l) => !known.has(l));
    if (unknown.length > 0) {
      throw new AtlasError('invalid_argument', `${files.labelsPath} has ${unknown.length} label(s) missing from ${files.labelIntsPath}: ${unknown.slice(0, 20).map((l) => JSON.stringify(l)).join(', ')}`);
    }
  }
  const hnsw = await openHnswlibFile(files.indexPath);
  let writer: AtlasWriter | null = null;
  try {
    const { dim } = hnsw.header;
    const hierarchy =
      options.hierarchy ?? resolveHierarchy((await loadOntology(options.obo, { cacheDir: options.cacheDir })).graph, labels.vocabulary, options.labels);
    const levelMap = buildLabelLevelMap(labels.vocabulary, hierarchy);
    const numRows = labels.codes.length;

    const scan = options.progress ? createProgress('ingest: labels ', hnsw.header.elementCount) : null;
    const internalOf = await hnsw.mapLabels(numRows, (n) => scan?.increment(n));
    scan?.stop();

    const rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
    writer = await createAtlasWriter(options.out, { dim, rowGroupSize, compression: options.compression });
    const bar = options.progress ? createProgress('ingest: vectors', numRows) : null;
    const counter = createSummaryCounter();
    for (let start = 0; start < numRows; start += rowGroupSize) {
      const n = Math.min(rowGroupSize, numRows - start);
      const embeddings = new Float32Array(n * dim);
      await hnsw.readVectors(internalOf.subarray(start, start + n), embeddings);
      const labelCodes = labels.codes.subarray(start, start + n);
      const levels = Object.fromEntries(LEVEL_COLUMNS.map((c) => [c, remap(labelCodes, levelMap.levels[c])])) as Record<LevelColumn, EncodedColumn>;
      try {
        await writer.write({ numRows: n, dim, embeddings, levels, clIds: remap(labelCodes, levelMap.clIds) });
      } catch (err) {
        if (err instanceof AtlasError && err.code === 'non_finite') {
          throw new AtlasError('invalid_hnswlib', `${files.indexPath}: a vector among labels ${start}..${start + n - 1} has NaN or Infinity`);
        }
        throw err;
      }
      counter.add(levels);
      bar?.increment(n);
    }
    await writer.close();
    bar?.stop();
    return { dim, summary: counter.result(), seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    await writer?.abort();
    throw err;
  } finally {
    await hnsw.close();
  }
}
