/**
 * Writers of the annotation table (search/annotation-columns.ts) to `--out`, chosen by extension: CSV, TSV
 * (text, one line per cell, numbers as JavaScript prints them: the same digits as the JSON answer) or Parquet
 * (the Arrow answer's columns). Both stream to a temp file renamed into place on close, so a failure leaves
 * no partial file.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { extname } from 'node:path';
import { once } from 'node:events';
import { AtlasError } from '../common/index.js';
import { untrackTemp } from '../atlas/index.js';
import type { IndexManifest } from '../index-files/index.js';
import { LABEL_FIELDS, LEVEL_FIELDS, annotationColumnNames, annotationTable, labelDictionary, levelFieldName, utf8Column, type AnnotationColumns } from '../search/index.js';
import { createParquetStreamWriter, tempPathFor } from './parquet-stream.js';

/** Output formats of `annotate --out`, by extension. */
export type AnnotateOutputFormat = 'csv' | 'tsv' | 'parquet';

/** A streamed writer of annotation rows. */
export interface AnnotationWriter {
  write(cols: AnnotationColumns, cellIds: readonly string[]): Promise<void>;
  close(): Promise<void>;
  abort(): Promise<void>;
}

/** The format of an output path, from its extension. */
export function annotateOutputFormat(path: string): AnnotateOutputFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.tsv' || ext === '.txt' || ext === '.tab') return 'tsv';
  if (ext === '.parquet') return 'parquet';
  throw new AtlasError('invalid_argument', `cannot tell the output format of ${path}: use .csv, .tsv or .parquet`);
}

/** One text field, quoted when it holds the delimiter, a quote or a line break. */
function field(s: string, delimiter: string): string {
  return s.includes(delimiter) || s.includes('"') || s.includes('\n') || s.includes('\r') ? `"${s.replaceAll('"', '""')}"` : s;
}

const num = (v: number): string => (Number.isNaN(v) ? '' : String(v));

/** The text lines of `cols` (each ending in a newline). */
function formatAnnotationRows(cols: AnnotationColumns, cellIds: readonly string[], m: IndexManifest, delimiter: string): string {
  const dicts = cols.levels.map((l) => labelDictionary(m, l).map((w) => field(w, delimiter)));
  const lines: string[] = new Array(cols.n);
  for (let i = 0; i < cols.n; i++) {
    const parts: string[] = [field(cellIds[i]!, delimiter)];
    cols.levels.forEach((level, k) => {
      const c = cols.perLevel[level]!;
      for (const f of LEVEL_FIELDS) parts.push(LABEL_FIELDS.includes(f) ? dicts[k]![c[f][i]!]! : num(c[f][i]!));
    });
    parts.push(num(cols.nearestDistance[i]!), cols.outOfReference[i] ? 'true' : 'false');
    lines[i] = parts.join(delimiter);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

async function writeText(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function createTextWriter(path: string, m: IndexManifest, delimiter: string): Promise<AnnotationWriter> {
  const tmp = tempPathFor(path);
  const stream = createWriteStream(tmp, { flags: 'wx' });
  let failure: Error | null = null;
  stream.on('error', (err) => (failure = err));
  await writeText(stream, `${annotationColumnNames(m.levelColumns).join(delimiter)}\n`);
  const check = () => {
    if (failure) throw new AtlasError('file_not_found', `cannot write ${path}: ${(failure as Error).message}`);
  };
  return {
    async write(cols, cellIds) {
      check();
      await writeText(stream, formatAnnotationRows(cols, cellIds, m, delimiter));
    },
    async close() {
      check();
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
      check();
      await rename(tmp, path);
      untrackTemp(tmp);
    },
    async abort() {
      stream.destroy();
      await rm(tmp, { force: true });
      untrackTemp(tmp);
    },
  };
}

/** Opens a writer for `path` (format by extension) over the levels of `m`. */
export async function createAnnotationWriter(path: string, m: IndexManifest): Promise<AnnotationWriter> {
  const format = annotateOutputFormat(path);
  if (format !== 'parquet') return createTextWriter(path, m, format === 'csv' ? ',' : '\t');
  const labelColumns = m.levelColumns.flatMap((l) => LABEL_FIELDS.map((f) => levelFieldName(l, f)));
  const writer = await createParquetStreamWriter(path, labelColumns);
  return {
    write: (cols, cellIds) => writer.write(annotationTable(cols, m, utf8Column(cellIds))),
    close: () => writer.close(),
    abort: () => writer.abort(),
  };
}
