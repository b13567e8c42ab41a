/**
 * Answers as Arrow tables: the annotation table (one row per query cell, the columns of
 * annotation-columns.ts; labels as dictionary<int32, utf8>, numbers float64 with null where the JSON has
 * null, out_of_reference bool) and search results (one row per query, the hits as list columns). Built from
 * typed arrays with makeData, so a 100,000-row table costs a few copies, not 10⁶ builder calls.
 */
import { Bool, Data, Dictionary, Field, Float64, Int32, List, RecordBatch, Schema, Struct, Table, Utf8, makeData, vectorFromArray, type Vector } from 'apache-arrow';
import { LEVEL_COLUMNS, type LevelColumn } from '../common/index.js';
import type { IndexManifest } from '../index-files/index.js';
import { CELL_FIELDS, CELL_ID_FIELD, LABEL_FIELDS, LEVEL_FIELDS, labelDictionary, levelFieldName, type AnnotationColumns } from './annotation-columns.js';
import type { SearchQueryResult } from './search-types.js';

/** Row-wise strings as Arrow's utf8 buffers (what an Arrow request's `cell_id` column carries). */
export interface Utf8Column {
  readonly offsets: Int32Array;
  readonly bytes: Uint8Array;
}

/** Encodes strings as {@link Utf8Column}. */
export function utf8Column(values: readonly string[]): Utf8Column {
  const data = vectorFromArray(values as string[], new Utf8()).data[0]!;
  return { offsets: data.valueOffsets.slice(0, values.length + 1), bytes: data.values.slice(0, data.valueOffsets[values.length]) };
}

function utf8Data(col: Utf8Column): Data<Utf8> {
  return makeData({ type: new Utf8(), length: col.offsets.length - 1, nullCount: 0, valueOffsets: col.offsets, data: col.bytes });
}

/** Float64 column, null where NaN. */
function float64Data(values: Float64Array): Data<Float64> {
  const n = values.length;
  let nulls = 0;
  for (let i = 0; i < n; i++) if (Number.isNaN(values[i]!)) nulls++;
  if (nulls === 0) return makeData({ type: new Float64(), length: n, nullCount: 0, data: values });
  const bitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (!Number.isNaN(values[i]!)) bitmap[i >> 3]! |= 1 << (i & 7);
  return makeData({ type: new Float64(), length: n, nullCount: nulls, nullBitmap: bitmap, data: values });
}

function boolData(values: Uint8Array): Data<Bool> {
  const bits = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i]) bits[i >> 3]! |= 1 << (i & 7);
  return makeData({ type: new Bool(), length: values.length, nullCount: 0, data: bits });
}

/** Schema metadata of an answer (e.g. `fractal_atlas.result`: the JSON answer's fields besides the rows). */
export type TableMetadata = Readonly<Record<string, string>>;

function tableOf(fields: Field[], children: Data[], n: number, metadata: TableMetadata = {}): Table {
  const schema = new Schema(fields, new Map(Object.entries(metadata)));
  return new Table([new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }))]);
}

/** Rows [start, end) of a utf8 column, offsets rebased to 0. */
export function sliceUtf8(col: Utf8Column, start: number, end: number): Utf8Column {
  const base = col.offsets[start]!;
  const offsets = col.offsets.slice(start, end + 1);
  for (let i = 0; i < offsets.length; i++) offsets[i]! -= base;
  return { offsets, bytes: col.bytes.subarray(base, col.offsets[end]!) };
}

/** Builds annotation tables of one index; every table shares the same dictionary vectors (an IPC stream writes them once). */
export type AnnotationTableBuilder = (cols: AnnotationColumns, cellIds?: Utf8Column, metadata?: TableMetadata) => Table;

/** An {@link AnnotationTableBuilder} over `m`'s label dictionaries. */
export function createAnnotationTableBuilder(m: IndexManifest): AnnotationTableBuilder {
  const dictionaries = new Map(m.levelColumns.map((l) => [l, vectorFromArray([...labelDictionary(m, l)], new Utf8())]));
  return (cols, cellIds, metadata) => buildAnnotationTable(cols, dictionaries, cellIds, metadata);
}

/**
 * The annotation table of `cols`; `cell_id` first when `cellIds` is given (one per row). Label dictionaries
 * are the level vocabularies plus "unassigned", so codes are stable across calls on one index.
 */
export function annotationTable(cols: AnnotationColumns, m: IndexManifest, cellIds?: Utf8Column, metadata?: TableMetadata): Table {
  return createAnnotationTableBuilder(m)(cols, cellIds, metadata);
}

function buildAnnotationTable(cols: AnnotationColumns, dictionaries: ReadonlyMap<LevelColumn, Vector<Utf8>>, cellIds?: Utf8Column, metadata?: TableMetadata): Table {
  const fields: Field[] = [];
  const children: Data[] = [];
  if (cellIds) {
    fields.push(new Field(CELL_ID_FIELD, new Utf8(), false));
    children.push(utf8Data(cellIds));
  }
  let dictionaryId = 0;
  for (const level of cols.levels) {
    const dictionary = dictionaries.get(level)!;
    const c = cols.perLevel[level]!;
    for (const f of LEVEL_FIELDS) {
      if (LABEL_FIELDS.includes(f)) {
        const type = new Dictionary(new Utf8(), new Int32(), dictionaryId++);
        fields.push(new Field(levelFieldName(level, f), type, false));
        children.push(makeData({ type, length: cols.n, nullCount: 0, data: c[f] as Int32Array, dictionary }));
      } else {
        const data = float64Data(c[f] as Float64Array);
        fields.push(new Field(levelFieldName(level, f), new Float64(), true));
        children.push(data);
      }
    }
  }
  fields.push(new Field(CELL_FIELDS[0], new Float64(), true), new Field(CELL_FIELDS[1], new Bool(), false));
  children.push(float64Data(cols.nearestDistance), boolData(cols.outOfReference));
  return tableOf(fields, children, cols.n, metadata);
}

/** Hit fields of a search row, as list columns named `hit_<field>`. */
const HIT_STRING_FIELDS = ['cell_id', ...LEVEL_COLUMNS] as const;

function listOf(child: Data, offsets: Int32Array, n: number, nullable: boolean): Data<List> {
  return makeData({ type: new List(new Field('item', child.type, nullable)), length: n, nullCount: 0, valueOffsets: offsets, child });
}

/**
 * Search results as a table: one row per result (query, or the centroid), `cell_id` (the query's own id)
 * first when given, then `hit_cell_id`, `hit_distance`, `hit_level1_system` … `hit_level4_subtype` and
 * `hit_cl_id` (null where the atlas has none) as lists, nearest first.
 */
export function searchTable(results: readonly SearchQueryResult[], cellIds?: Utf8Column, metadata?: TableMetadata): Table {
  const n = results.length;
  const offsets = new Int32Array(n + 1);
  for (let q = 0; q < n; q++) offsets[q + 1] = offsets[q]! + results[q]!.hits.length;
  const total = offsets[n]!;
  const distances = new Float64Array(total);
  const strings = HIT_STRING_FIELDS.map(() => new Array<string>(total));
  const clIds = new Array<string | null>(total);
  let at = 0;
  for (const r of results) {
    for (const h of r.hits) {
      distances[at] = h.distance;
      strings[0]![at] = h.cell_id;
      LEVEL_COLUMNS.forEach((c: LevelColumn, k) => (strings[k + 1]![at] = h[c]));
      clIds[at] = h.cl_id;
      at++;
    }
  }
  const fields: Field[] = [];
  const children: Data[] = [];
  if (cellIds) {
    fields.push(new Field(CELL_ID_FIELD, new Utf8(), false));
    children.push(utf8Data(cellIds));
  }
  const add = (name: string, child: Data, nullable = false) => {
    const list = listOf(child, offsets, n, nullable);
    fields.push(new Field(name, list.type, false));
    children.push(list);
  };
  add('hit_cell_id', vectorFromArray(strings[0]!, new Utf8()).data[0]!);
  add('hit_distance', makeData({ type: new Float64(), length: total, nullCount: 0, data: distances }));
  LEVEL_COLUMNS.forEach((c, k) => add(`hit_${c}`, vectorFromArray(strings[k + 1]!, new Utf8()).data[0]!));
  add('hit_cl_id', vectorFromArray(clIds, new Utf8()).data[0]!, true);
  return tableOf(fields, children, n, metadata);
}
