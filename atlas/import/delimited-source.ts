/**
 * CSV/TSV files as import sources: a per-cell table (labels, ids, extra columns; read whole, strings only),
 * and a CSV/TSV embedding with one column per dimension or one `embedding` column ("[0.1, 0.2, …]" or
 * space-separated), streamed line by line. The delimiter follows the extension: `.csv` comma, else tab.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { AtlasError } from '../../common/index.js';
import { columnFromValues, type MatrixSource, type ObsSource } from './types.js';

/** The delimiter of a table file, from its extension. */
export function delimiterOf(path: string): ',' | '\t' {
  return /\.csv$/i.test(path) ? ',' : '\t';
}

/** Splits one line into fields, honouring double quotes ("" inside quotes is a quote). */
export function splitFields(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      out.push(field);
      field = '';
    } else field += ch;
  }
  if (quoted) throw new AtlasError('invalid_input', 'a quoted field runs past the end of its line (fields spanning lines are not supported)');
  out.push(field);
  return out;
}

async function checkFile(path: string): Promise<void> {
  try {
    if (!(await stat(path)).isFile()) throw new Error('not a file');
  } catch {
    throw new AtlasError('file_not_found', `input file not found: ${path}`);
  }
}

/** Yields the header, then every non-empty line's fields with its line number, checking the field count. */
async function* tableLines(path: string): AsyncGenerator<{ fields: string[]; line: number }> {
  await checkFile(path);
  const delimiter = delimiterOf(path);
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let width = -1;
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length === 0) continue;
    let fields: string[];
    try {
      fields = splitFields(line, delimiter);
    } catch (err) {
      throw new AtlasError('invalid_input', `${path} line ${lineNo}: ${(err as Error).message}`);
    }
    if (width < 0) {
      width = fields.length;
      fields = fields.map((f, k) => (k === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
    } else if (fields.length !== width) throw new AtlasError('invalid_input', `${path} line ${lineNo} has ${fields.length} fields, the header has ${width}`);
    yield { fields, line: lineNo };
  }
  if (width < 0) throw new AtlasError('invalid_input', `${path} is empty: expected a header line naming its columns`);
}

/** Calls `onRow(fields, lineNumber)` for every line after the header; returns the header. */
async function scanLines(path: string, onRow: ((fields: string[], line: number) => void) | null): Promise<string[]> {
  let header: string[] | null = null;
  for await (const { fields, line } of tableLines(path)) {
    if (header === null) {
      header = fields;
      if (onRow === null) break;
    } else onRow?.(fields, line);
  }
  return header!;
}

/** Reads a table's `wanted` columns (all when omitted) into memory as a per-cell source. */
export async function readTableObs(path: string, wanted?: readonly string[]): Promise<ObsSource> {
  const header = await scanLines(path, null);
  const names = wanted ? header.filter((h) => wanted.includes(h)) : header;
  const positions = names.map((n) => header.indexOf(n));
  const values = names.map(() => [] as string[]);
  await scanLines(path, (fields) => positions.forEach((p, k) => values[k]!.push(fields[p]!.trim())));
  const numRows = values[0]?.length ?? (await countRows(path));
  return {
    name: path,
    numRows,
    columns: header,
    async column(name) {
      const k = names.indexOf(name);
      if (k < 0) throw new AtlasError('invalid_input', `${path} has no column "${name}" (columns: ${header.join(', ')})`);
      return columnFromValues(values[k]!);
    },
    async index() {
      return null;
    },
  };
}

async function countRows(path: string): Promise<number> {
  let n = 0;
  await scanLines(path, () => n++);
  return n;
}

/** Parses one `embedding` cell: "[0.1, 0.2]", "0.1 0.2" or "0.1;0.2". */
function parseVectorCell(cell: string): number[] {
  const body = cell.trim().replace(/^\[/, '').replace(/\]$/, '').trim();
  return body.length === 0 ? [] : body.split(/[\s,;]+/).map(Number);
}

/**
 * A CSV/TSV embedding: one `embedding` column when the header has it, else every column not in `metaColumns`
 * is one dimension (all must be numbers). Its per-cell table holds the `metaColumns`.
 */
export async function openDelimitedSource(path: string, metaColumns: readonly string[]): Promise<{ matrix: MatrixSource; obs: ObsSource }> {
  const obs = await readTableObs(path, metaColumns);
  const header = obs.columns;
  const vectorCol = header.indexOf('embedding');
  const dimCols = vectorCol >= 0 ? [vectorCol] : header.map((_, k) => k).filter((k) => !metaColumns.includes(header[k]!));
  if (dimCols.length === 0) throw new AtlasError('invalid_input', `${path} has no embedding columns: name one "embedding" or add one column per dimension`);
  let dim = vectorCol >= 0 ? -1 : dimCols.length;
  if (vectorCol >= 0) {
    let seen = 0;
    for await (const { fields } of tableLines(path)) {
      if (seen++ === 0) continue;
      dim = parseVectorCell(fields[vectorCol]!).length;
      break;
    }
  }
  if (dim <= 0 && obs.numRows > 0) throw new AtlasError('invalid_input', `${path}: the first row's embedding is empty`);
  const rowValues = (fields: string[], line: number): ArrayLike<number> => {
    const v = vectorCol >= 0 ? parseVectorCell(fields[vectorCol]!) : dimCols.map((k) => (fields[k]!.trim() === '' ? NaN : Number(fields[k])));
    if (v.length !== dim) throw new AtlasError('wrong_dimension', `${path} line ${line}: embedding has ${v.length} values, the first row has ${dim}`);
    return v;
  };
  const matrix: MatrixSource = {
    name: path,
    numRows: obs.numRows,
    dim: Math.max(dim, 1),
    async *blocks(blockRows) {
      let block = new Float32Array(blockRows * dim);
      let filled = 0;
      let first = true;
      for await (const { fields, line } of tableLines(path)) {
        if (first) {
          first = false;
          continue;
        }
        block.set(rowValues(fields, line), filled * dim);
        if (++filled === blockRows) {
          yield block;
          block = new Float32Array(blockRows * dim);
          filled = 0;
        }
      }
      if (filled > 0) yield block.subarray(0, filled * dim);
    },
  };
  return { matrix, obs };
}
