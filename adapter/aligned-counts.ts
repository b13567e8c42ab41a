/**
 * Counts aligned to an encoder's gene order, as CSR rows: what crosses from the boundary (HTTP JSON, an
 * .h5ad block) to the encoder. Sparse because a cell expresses a few thousand of ~28k genes; densified one
 * ONNX batch at a time. Pure.
 */
import { AtlasError, type ErrorCode } from '../common/index.js';
import type { GeneMatch } from './gene-match.js';

/** n cells × numGenes counts in model gene order, CSR (indices ascending within a row). */
export interface AlignedCounts {
  readonly n: number;
  readonly numGenes: number;
  /** n + 1 row offsets into indices / values. */
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

/**
 * Collects cells row by row, dropping the genes the model does not use and summing repeated indices (as
 * scipy does). Values must be finite and ≥ 0; a cell without counts in the model's genes is refused (its
 * embedding would say nothing about it). Errors carry `code` and name the offending value by `where`.
 */
export class AlignedCountsBuilder {
  private readonly scratch: Float32Array;
  private readonly touched: Int32Array;
  /** 1 where the current row has touched the gene. */
  private readonly mark: Uint8Array;
  private indptr: number[] = [0];
  private indices = new Int32Array(1024);
  private values = new Float32Array(1024);
  private nnz = 0;

  constructor(private readonly match: GeneMatch, private readonly code: ErrorCode) {
    this.scratch = new Float32Array(match.numModelGenes);
    this.touched = new Int32Array(match.numModelGenes);
    this.mark = new Uint8Array(match.numModelGenes);
  }

  get n(): number {
    return this.indptr.length - 1;
  }

  private value(v: unknown, where: string): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new AtlasError(this.code, `${where} must be a finite count ≥ 0, got ${describe(v)}`);
    return v;
  }

  /** A dense row: one value per query gene. */
  addDense(row: ArrayLike<unknown>, where: string): void {
    if (row.length !== this.match.numQueryGenes) throw new AtlasError(this.code, `${where} has ${row.length} values for ${this.match.numQueryGenes} genes`);
    let t = 0;
    const cols = this.match.columnOf;
    for (let q = 0; q < row.length; q++) {
      const v = this.value(row[q], `${where}[${q}]`);
      t = this.accumulate(cols[q]!, v, t);
    }
    this.flush(t, where);
  }

  /** A sparse row: parallel arrays of query-gene positions and their counts. */
  addSparse(indices: ArrayLike<unknown>, values: ArrayLike<unknown>, where: string): void {
    if (indices.length !== values.length) throw new AtlasError(this.code, `${where}: indices has ${indices.length} entries but values ${values.length}`);
    let t = 0;
    const Q = this.match.numQueryGenes;
    for (let k = 0; k < indices.length; k++) {
      const q = indices[k];
      if (typeof q !== 'number' || !Number.isInteger(q) || q < 0 || q >= Q) throw new AtlasError(this.code, `${where}.indices[${k}] must be a gene position in 0..${Q - 1}, got ${describe(q)}`);
      const v = this.value(values[k], `${where}.values[${k}]`);
      t = this.accumulate(this.match.columnOf[q]!, v, t);
    }
    this.flush(t, where);
  }

  /** Adds v to model gene c of the current row (c < 0: a gene the model drops); returns the touched count. */
  private accumulate(c: number, v: number, t: number): number {
    if (c < 0 || v === 0) return t;
    if (this.mark[c] === 0) {
      this.mark[c] = 1;
      this.touched[t++] = c;
    }
    this.scratch[c] += v;
    return t;
  }

  private flush(t: number, where: string): void {
    const cols = this.touched.subarray(0, t).sort();
    this.reserve(t);
    let total = 0;
    for (let i = 0; i < t; i++) {
      const c = cols[i]!;
      const v = this.scratch[c]!;
      this.scratch[c] = 0;
      this.mark[c] = 0;
      if (!Number.isFinite(v)) throw new AtlasError(this.code, `${where}: the counts of gene ${c} overflow float32`);
      this.indices[this.nnz] = c;
      this.values[this.nnz++] = v;
      total += v;
    }
    if (!(total > 0)) throw new AtlasError(this.code, `${where} has no counts in the model's genes; such a cell cannot be embedded`);
    this.indptr.push(this.nnz);
  }

  private reserve(extra: number): void {
    if (this.nnz + extra <= this.indices.length) return;
    let size = this.indices.length;
    while (size < this.nnz + extra) size *= 2;
    if (size > 2 ** 31 - 1) throw new AtlasError(this.code, 'too many non-zero counts in one batch');
    const i = new Int32Array(size);
    i.set(this.indices.subarray(0, this.nnz));
    const v = new Float32Array(size);
    v.set(this.values.subarray(0, this.nnz));
    this.indices = i;
    this.values = v;
  }

  /** The rows added so far (the builder can go on after). */
  finish(): AlignedCounts {
    return {
      n: this.n,
      numGenes: this.match.numModelGenes,
      indptr: Int32Array.from(this.indptr),
      indices: this.indices.slice(0, this.nnz),
      values: this.values.slice(0, this.nnz),
    };
  }
}

/** CSR rows over the query's genes (e.g. one .h5ad block), aligned; `where(r)` names row r in errors. */
export function alignCsrRows(
  rows: { readonly n: number; readonly indptr: Int32Array; readonly indices: Int32Array; readonly values: Float32Array },
  match: GeneMatch,
  code: ErrorCode,
  where: (r: number) => string,
): AlignedCounts {
  const b = new AlignedCountsBuilder(match, code);
  for (let r = 0; r < rows.n; r++) {
    const s = rows.indptr[r]!;
    const e = rows.indptr[r + 1]!;
    b.addSparse(rows.indices.subarray(s, e), rows.values.subarray(s, e), where(r));
  }
  return b.finish();
}

/** Rows [start, end) as their own AlignedCounts (copies). */
export function sliceCounts(a: AlignedCounts, start: number, end: number): AlignedCounts {
  const p0 = a.indptr[start]!;
  const p1 = a.indptr[end]!;
  const indptr = new Int32Array(end - start + 1);
  for (let r = start; r <= end; r++) indptr[r - start] = a.indptr[r]! - p0;
  return { n: end - start, numGenes: a.numGenes, indptr, indices: a.indices.slice(p0, p1), values: a.values.slice(p0, p1) };
}

/** Rows [start, end) as a dense row-major (end − start) × numGenes matrix. */
export function densifyCounts(a: AlignedCounts, start: number, end: number): Float32Array {
  const G = a.numGenes;
  const out = new Float32Array((end - start) * G);
  for (let r = start; r < end; r++) {
    const base = (r - start) * G;
    for (let k = a.indptr[r]!; k < a.indptr[r + 1]!; k++) out[base + a.indices[k]!] = a.values[k]!;
  }
  return out;
}

/** Dense n × numGenes counts already in model order (e.g. a parity fixture) as AlignedCounts. */
export function alignedFromDense(x: Float32Array, n: number, numGenes: number, code: ErrorCode = 'invalid_input'): AlignedCounts {
  const identity = { numModelGenes: numGenes, numQueryGenes: numGenes, columnOf: Int32Array.from({ length: numGenes }, (_, i) => i) } as GeneMatch;
  const b = new AlignedCountsBuilder(identity, code);
  for (let i = 0; i < n; i++) b.addDense(x.subarray(i * numGenes, (i + 1) * numGenes), `cell ${i}`);
  return b.finish();
}

/**
 * Checks CSR structure and values before native code sees them (a service boundary: the HTTP layer built
 * them, but a library caller may not have): offsets, ascending in-range indices, finite counts ≥ 0, and a
 * positive total per cell.
 */
export function checkAlignedCounts(a: AlignedCounts, numGenes: number): void {
  const fail = (why: string) => new AtlasError('invalid_request', `expression counts: ${why}`);
  if (!a || !(a.indptr instanceof Int32Array) || !(a.indices instanceof Int32Array) || !(a.values instanceof Float32Array)) throw fail('indptr, indices and values must be Int32Array, Int32Array and Float32Array');
  if (a.numGenes !== numGenes) throw new AtlasError('wrong_dimension', `expression counts are aligned to ${a.numGenes} genes; this encoder takes ${numGenes}`);
  if (!Number.isSafeInteger(a.n) || a.n < 1 || a.indptr.length !== a.n + 1 || a.indptr[0] !== 0) throw fail(`indptr must have n + 1 = ${a.n + 1} offsets starting at 0`);
  if (a.indices.length !== a.values.length || a.indptr[a.n] !== a.indices.length) throw fail('indptr, indices and values disagree in length');
  for (let r = 0; r < a.n; r++) {
    const s = a.indptr[r]!;
    const e = a.indptr[r + 1]!;
    if (e < s) throw fail(`indptr decreases at cell ${r}`);
    let total = 0;
    for (let k = s; k < e; k++) {
      const c = a.indices[k]!;
      if (c < 0 || c >= numGenes || (k > s && c <= a.indices[k - 1]!)) throw fail(`cell ${r} has gene index ${c} out of order or outside 0..${numGenes - 1}`);
      const v = a.values[k]!;
      if (!Number.isFinite(v) || v < 0) throw fail(`cell ${r} has a count ${v} (counts must be finite and ≥ 0)`);
      total += v;
    }
    if (!(total > 0)) throw fail(`cell ${r} has no counts in the model's genes`);
  }
}
