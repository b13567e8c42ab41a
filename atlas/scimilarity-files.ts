/**
 * SCimilarity's annotation files: where they are in a model folder, and how to read the label files.
 *
 *   DIR/annotation/labelled_kNN.bin       hnswlib index; element label = row of reference_labels.tsv
 *   DIR/annotation/reference_labels.tsv   one cell-type label per line ("\n".join, no header)
 *   DIR/label_ints.csv                    pandas Series.to_csv of int → label: header ",0", rows "i,label"
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AtlasError } from '../common/index.js';

/** Paths of the annotation files in a SCimilarity model folder. */
export interface ScimilarityFiles {
  readonly indexPath: string;
  readonly labelsPath: string;
  /** Null when the folder has no label_ints.csv (the vocabulary then comes from the labels themselves). */
  readonly labelIntsPath: string | null;
}

function firstExisting(paths: string[]): string | null {
  for (const p of paths) if (existsSync(p) && statSync(p).isFile()) return p;
  return null;
}

/** Finds the annotation files in `dir` or `dir/annotation` (`file_not_found` naming what is missing). */
export function locateScimilarityFiles(dir: string): ScimilarityFiles {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new AtlasError('file_not_found', `SCimilarity folder not found: ${dir}`);
  const places = [join(dir, 'annotation'), dir];
  const indexPath = firstExisting(places.map((p) => join(p, 'labelled_kNN.bin')));
  const labelsPath = firstExisting(places.map((p) => join(p, 'reference_labels.tsv')));
  const missing = [indexPath ? null : 'labelled_kNN.bin', labelsPath ? null : 'reference_labels.tsv'].filter((x) => x !== null);
  if (missing.length > 0) {
    throw new AtlasError('file_not_found', `${dir} lacks ${missing.join(' and ')} (looked in ${dir}/annotation and ${dir})`);
  }
  const labelIntsPath = firstExisting([join(dir, 'label_ints.csv'), join(dir, 'annotation', 'label_ints.csv')]);
  return { indexPath: indexPath!, labelsPath: labelsPath!, labelIntsPath };
}

/** Splits one CSV line into fields (RFC 4180 quotes, as pandas writes them). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new AtlasError('invalid_argument', `unterminated quote in CSV line ${JSON.stringify(line)}`);
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      fields.push(value);
    } else {
      const c = line.indexOf(',', i);
      fields.push(line.slice(i, c < 0 ? line.length : c));
      i = c < 0 ? line.length : c;
    }
    if (i >= line.length) break;
    if (line[i] !== ',') throw new AtlasError('invalid_argument', `malformed CSV line ${JSON.stringify(line)}`);
    i++;
    if (i === line.length) {
      fields.push('');
      break;
    }
  }
  return fields;
}

/**
 * Parses label_ints.csv (int → label) into the label vocabulary indexed by int. Throws `invalid_argument`
 * on a malformed row, a repeated int or a gap.
 */
export function parseLabelInts(text: string, path = 'label_ints.csv'): string[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  if (lines.length === 0) throw new AtlasError('invalid_argument', `${path} is empty`);
  const byInt = new Map<number, string>();
  for (const [n, line] of lines.entries()) {
    const fields = splitCsvLine(line);
    if (n === 0 && !/^\d+$/.test(fields[0] ?? '')) continue; // header ",0"
    if (fields.length !== 2 || !/^\d+$/.test(fields[0]!)) throw new AtlasError('invalid_argument', `${path} line ${n + 1}: expected "int,label", got ${JSON.stringify(line)}`);
    const k = Number(fields[0]);
    if (byInt.has(k)) throw new AtlasError('invalid_argument', `${path} line ${n + 1}: int ${k} appears twice`);
    byInt.set(k, fields[1]!);
  }
  const out: string[] = [];
  for (let k = 0; k < byInt.size; k++) {
    const v = byInt.get(k);
    if (v === undefined) throw new AtlasError('invalid_argument', `${path}: ints are not 0..${byInt.size - 1} (missing ${k})`);
    out.push(v);
  }
  return out;
}

/** Reads label_ints.csv. */
export async function readLabelInts(path: string): Promise<string[]> {
  return parseLabelInts(await readFile(path, 'utf8'), path);
}

/** One label per row, as codes into a vocabulary in order of first appearance. */
export interface ReferenceLabels {
  readonly codes: Int32Array;
  readonly vocabulary: readonly string[];
}

/**
 * Streams reference_labels.tsv (one label per line; a final empty line is ignored) into an Int32Array of
 * codes, so 7.9M labels cost 32 MB rather than 7.9M strings.
 */
export async function readReferenceLabels(path: string): Promise<ReferenceLabels> {
  let codes = new Int32Array(1 << 16);
  let n = 0;
  const vocabulary: string[] = [];
  const index = new Map<string, number>();
  const push = (raw: string): void => {
    const label = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (label.length === 0) throw new AtlasError('invalid_argument', `${path} line ${n + 1} is empty`);
    let c = index.get(label);
    if (c === undefined) {
      c = vocabulary.length;
      vocabulary.push(label);
      index.set(label, c);
    }
    if (n === codes.length) {
      const grown = new Int32Array(codes.length * 2);
      grown.set(codes);
      codes = grown;
    }
    codes[n++] = c;
  };
  let rest = '';
  try {
    for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      const text = rest + (chunk as string);
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        push(text.slice(start, nl));
        start = nl + 1;
      }
      rest = text.slice(start);
    }
  } catch (err) {
    if (err instanceof AtlasError) throw err;
    throw new AtlasError('file_not_found', `cannot read ${path}: ${(err as Error).message}`);
  }
  if (rest.length > 0 && rest !== '\r') push(rest);
  if (n === 0) throw new AtlasError('invalid_argument', `${path} has no labels`);
  return { codes: codes.slice(0, n), vocabulary };
}
