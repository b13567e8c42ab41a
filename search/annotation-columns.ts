/**
 * The annotation table: one row per query cell, flat columns with stable names, built from the service's
 * {@link CellAnnotation}s. The CLI (`annotate --out`), the Arrow answers of /v1/annotate and the `.h5ad` obs
 * columns all use this one table, so a column means the same everywhere. Pure: cells and a manifest in,
 * typed arrays out (labels as codes into a per-level dictionary: the level's vocabulary, then "unassigned").
 */
import { shortLevelName, type LevelColumn } from '../common/index.js';
import type { IndexManifest } from '../index-files/index.js';
import { UNASSIGNED, type CellAnnotation } from './annotate-types.js';

/** Per-level columns, in order; the name of one is `<short level>_<suffix>` (e.g. `type_vs2nd`). */
export const LEVEL_FIELDS = ['label', 'confidence', 'vs2nd', 'vsAll', 'min_dist', 'max_dist', 'consistent', 'consistent_confidence'] as const;
export type LevelField = (typeof LEVEL_FIELDS)[number];

/** Label-valued per-level fields (dictionary codes); the others are numbers (NaN where the JSON has null). */
export const LABEL_FIELDS: readonly LevelField[] = ['label', 'consistent'];

/** The first column of every table, and the per-cell columns after the levels. */
export const CELL_ID_FIELD = 'cell_id';
export const CELL_FIELDS = ['nearest_distance', 'out_of_reference'] as const;

/** One level's columns. */
export type LevelColumns = Record<LevelField, Int32Array | Float64Array>;

/** Columns of `n` annotated cells. */
export interface AnnotationColumns {
  readonly n: number;
  readonly levels: readonly LevelColumn[];
  /** Per served level: `label`/`consistent` are Int32Array codes into {@link labelDictionary}, the rest Float64Array. */
  readonly perLevel: Readonly<Partial<Record<LevelColumn, LevelColumns>>>;
  /** NaN where the cell had no neighbour. */
  readonly nearestDistance: Float64Array;
  /** 1 = out of reference. */
  readonly outOfReference: Uint8Array;
}

/** Name of a per-level column. */
export function levelFieldName(level: LevelColumn, field: LevelField): string {
  return `${shortLevelName(level)}_${field}`;
}

/** Every column name of a table over `levels`, in order (cell_id first). */
export function annotationColumnNames(levels: readonly LevelColumn[]): string[] {
  return [CELL_ID_FIELD, ...levels.flatMap((l) => LEVEL_FIELDS.map((f) => levelFieldName(l, f))), ...CELL_FIELDS];
}

/** Labels a level's codes point into: the vocabulary, then "unassigned" (unless the vocabulary has it). */
export function labelDictionary(m: IndexManifest, level: LevelColumn): readonly string[] {
  const vocab = m.vocabularies[level];
  return vocab.includes(UNASSIGNED) ? vocab : [...vocab, UNASSIGNED];
}

/** Label → code lookups per served level. */
export type LabelCodes = Readonly<Partial<Record<LevelColumn, ReadonlyMap<string, number>>>>;

/** Builds the label → code maps of {@link labelDictionary} once per index. */
export function createLabelCodes(m: IndexManifest): LabelCodes {
  return Object.fromEntries(m.levelColumns.map((l) => [l, new Map(labelDictionary(m, l).map((w, i) => [w, i]))]));
}

function emptyLevel(n: number): LevelColumns {
  const out = {} as LevelColumns;
  for (const f of LEVEL_FIELDS) out[f] = LABEL_FIELDS.includes(f) ? new Int32Array(n) : new Float64Array(n);
  return out;
}

const orNaN = (v: number | null | undefined): number => (v === null || v === undefined ? NaN : v);

/** Flattens annotated cells (in order) into columns. */
export function collectAnnotationColumns(cells: readonly CellAnnotation[], m: IndexManifest, codes: LabelCodes = createLabelCodes(m)): AnnotationColumns {
  const n = cells.length;
  const perLevel: Partial<Record<LevelColumn, LevelColumns>> = {};
  for (const level of m.levelColumns) {
    const cols = emptyLevel(n);
    const dict = codes[level]!;
    const unassigned = dict.get(UNASSIGNED)!;
    for (let i = 0; i < n; i++) {
      const vote = cells[i]!.levels[level];
      const call = cells[i]!.consistent[level];
      cols.label[i] = vote ? (dict.get(vote.label) ?? unassigned) : unassigned;
      cols.confidence[i] = vote ? vote.confidence : NaN;
      cols.vs2nd[i] = vote ? vote.vs2nd : NaN;
      cols.vsAll[i] = vote ? vote.vsAll : NaN;
      cols.min_dist[i] = orNaN(vote?.min_dist);
      cols.max_dist[i] = orNaN(vote?.max_dist);
      cols.consistent[i] = call ? (dict.get(call.label) ?? unassigned) : unassigned;
      cols.consistent_confidence[i] = call ? call.confidence : NaN;
    }
    perLevel[level] = cols;
  }
  const nearestDistance = Float64Array.from(cells, (c) => orNaN(c.nearest_distance));
  const outOfReference = Uint8Array.from(cells, (c) => (c.out_of_reference ? 1 : 0));
  return { n, levels: m.levelColumns, perLevel, nearestDistance, outOfReference };
}

/** Concatenates column batches over the same levels (in order). */
export function concatAnnotationColumns(parts: readonly AnnotationColumns[], levels: readonly LevelColumn[]): AnnotationColumns {
  const n = parts.reduce((s, p) => s + p.n, 0);
  const join = <T extends Int32Array | Float64Array | Uint8Array>(make: (n: number) => T, pick: (p: AnnotationColumns) => T): T => {
    const out = make(n);
    let at = 0;
    for (const p of parts) {
      out.set(pick(p), at);
      at += p.n;
    }
    return out;
  };
  const perLevel: Partial<Record<LevelColumn, LevelColumns>> = {};
  for (const level of levels) {
    const cols = {} as LevelColumns;
    for (const f of LEVEL_FIELDS) {
      cols[f] = LABEL_FIELDS.includes(f) ? join((k) => new Int32Array(k), (p) => p.perLevel[level]![f] as Int32Array) : join((k) => new Float64Array(k), (p) => p.perLevel[level]![f] as Float64Array);
    }
    perLevel[level] = cols;
  }
  return {
    n,
    levels,
    perLevel,
    nearestDistance: join((k) => new Float64Array(k), (p) => p.nearestDistance),
    outOfReference: join((k) => new Uint8Array(k), (p) => p.outOfReference),
  };
}
