/**
 * `annotate` without a server: query cells stream from `--in` in blocks, each block goes through the same
 * request schema as an HTTP body (so options and embeddings are checked by the same rules and codes) and
 * through the service's worker pool (both cores), and its rows are written to `--out` as soon as they are
 * flattened. Memory is about two blocks of cells whatever the input size, plus the flat columns when
 * `--h5ad-out` or `--truth-column` need every row at the end.
 */
import { rm } from 'node:fs/promises';
import { AtlasError, createProgress, isAtlasError } from '../common/index.js';
import { INDEX_MAX_K, annotateToColumns, concatAnnotationColumns, createRequestSchemas, optionsFromQuery, type AnnotateQuery, type AnnotationColumns, type RequestSchemas } from '../search/index.js';
import { openAtlasIndex } from '../search/index.js';
import type { IndexManifest, VerifyMode } from '../index-files/index.js';
import { annotateOutputFormat, createAnnotationWriter } from './output.js';
import { openAnnotateInput, type AnnotateInput, type InputBlock } from './input.js';
import { writeH5adWithObs } from './h5ad-obs.js';
import { scoreTruth, type TruthReport } from './truth.js';

/** Cells read from the input per block. */
export const INPUT_BLOCK_ROWS = 16_384;

/** Options of {@link runAnnotate}; the request options are strings as a command line gives them. */
export interface RunAnnotateOptions {
  readonly indexDir: string;
  readonly adapterPath: string;
  readonly input: string;
  readonly out: string;
  readonly h5adOut?: string;
  readonly obsm?: string;
  readonly idColumn?: string;
  readonly truthColumn?: string;
  /** The request fields (k, weighting, min_confidence, filter, out_of_reference_distance) as strings. */
  readonly request?: Readonly<Record<string, string>>;
  readonly workers?: number;
  readonly verify?: VerifyMode;
  readonly blockRows?: number;
  /** Progress bar on a TTY (default true). */
  readonly progress?: boolean;
}

/** What a run did. */
export interface RunAnnotateResult {
  readonly cells: number;
  readonly seconds: number;
  readonly cellsPerSecond: number;
  readonly truth?: TruthReport;
}

/** The request schema of the CLI: the Arrow/matrix variant (a block per request: a row group can be large), k up to the index's limit. */
function cliSchemas(m: IndexManifest): RequestSchemas {
  return createRequestSchemas(m, { maxCells: Number.MAX_SAFE_INTEGER, maxSearchK: INDEX_MAX_K, maxAnnotateK: INDEX_MAX_K, maxFilterLabels: 100_000 }, { embeddings: 'matrix' });
}

/** Validates one block as a request; row numbers in messages are the input's. */
function blockQuery(schemas: RequestSchemas, fields: Record<string, unknown>, block: InputBlock, dim: number, firstRow: number): AnnotateQuery {
  try {
    return schemas.parseAnnotate({ ...fields, embeddings: { kind: 'embedding-matrix', values: block.embeddings, n: block.n, dim } });
  } catch (err) {
    if (isAtlasError(err) && (err.code === 'non_finite' || err.code === 'wrong_dimension')) {
      throw new AtlasError(err.code, err.message.replace(/embeddings\[(\d+)\]/, (_, r: string) => `input row ${firstRow + Number(r)}`));
    }
    throw err;
  }
}

function checkPaths(o: RunAnnotateOptions, input: AnnotateInput): void {
  if (o.h5adOut !== undefined) {
    if (input.format !== 'h5ad') throw new AtlasError('invalid_argument', 'annotate: --h5ad-out needs an .h5ad --in (it copies the input and adds obs columns)');
    if (!/\.h5ad$/i.test(o.h5adOut)) throw new AtlasError('invalid_argument', `annotate: --h5ad-out must end in .h5ad, got ${o.h5adOut}`);
  }
  if (input.numRows === 0) throw new AtlasError('invalid_input', `${o.input} has no cells`);
}

/** Runs the annotation of `o.input` into `o.out` (see the file comment). */
export async function runAnnotate(o: RunAnnotateOptions): Promise<RunAnnotateResult> {
  annotateOutputFormat(o.out);
  const t0 = performance.now();
  const blockRows = o.blockRows ?? INPUT_BLOCK_ROWS;
  const input = await openAnnotateInput(o.input, { obsm: o.obsm, idColumn: o.idColumn, truthColumn: o.truthColumn });
  let service: Awaited<ReturnType<typeof openAtlasIndex>> | null = null;
  let writer: Awaited<ReturnType<typeof createAnnotationWriter>> | null = null;
  let h5adWritten = false;
  const progress = o.progress === false ? null : createProgress('annotate', input.numRows, process.stderr, { unit: 'cells' });
  try {
    checkPaths(o, input);
    service = await openAtlasIndex(o.indexDir, { adapterPath: o.adapterPath, workers: o.workers ?? 2, verify: o.verify ?? 'quick' });
    const m = service.manifest;
    if (input.dim !== m.inputDim) throw new AtlasError('wrong_dimension', `${o.input} has ${input.dim}-dimensional embeddings; this index takes ${m.inputDim}`);
    const schemas = cliSchemas(m);
    const fields = optionsFromQuery(new URLSearchParams(o.request ?? {}));
    const keep = o.h5adOut !== undefined || o.truthColumn !== undefined;
    const parts: AnnotationColumns[] = [];
    const truth: string[] = [];
    writer = await createAnnotationWriter(o.out, m);
    let row = 0;
    // Two blocks in flight: the next one is read and annotated while this one is flattened and written.
    let pending: Promise<{ block: InputBlock; columns: AnnotationColumns }> | null = null;
    const finish = async (p: Promise<{ block: InputBlock; columns: AnnotationColumns }>) => {
      const { block, columns } = await p;
      await writer!.write(columns, block.cellIds);
      if (keep) parts.push(columns);
      if (block.truth) truth.push(...block.truth);
      progress?.increment(block.n);
    };
    for await (const block of input.blocks(blockRows)) {
      const query = blockQuery(schemas, fields, block, input.dim, row);
      row += block.n;
      const next = annotateToColumns(service, query).then((r) => ({ block, columns: r.columns }));
      next.catch(() => undefined);
      if (pending) await finish(pending);
      pending = next;
    }
    if (pending) await finish(pending);
    if (row !== input.numRows) throw new AtlasError('invalid_input', `${o.input} gave ${row} rows, expected ${input.numRows}`);
    const all = keep ? concatAnnotationColumns(parts, m.levelColumns) : null;
    if (o.h5adOut !== undefined) {
      await writeH5adWithObs(o.input, o.h5adOut, all!, m);
      h5adWritten = true;
    }
    await writer.close();
    writer = null;
    const seconds = (performance.now() - t0) / 1000;
    const report = o.truthColumn !== undefined ? scoreTruth(o.truthColumn, truth, all!, m) : undefined;
    return { cells: row, seconds, cellsPerSecond: row / seconds, truth: report };
  } catch (err) {
    await writer?.abort();
    // Both files or neither: an --h5ad-out already in place goes when --out could not be completed.
    if (h5adWritten) await rm(o.h5adOut!, { force: true });
    throw err;
  } finally {
    progress?.stop();
    await service?.close();
    await input.close();
  }
}
