/**
 * `annotate` without a server: query cells stream from `--in` in blocks, each block goes through the same
 * request schema as an HTTP body (so options and embeddings are checked by the same rules and codes) and
 * through the service's worker pool (both cores), and its rows are written to `--out` as soon as they are
 * flattened. Memory is about two blocks of cells whatever the input size, plus the flat columns when
 * `--h5ad-out` or `--truth-column` need every row at the end. With `expression`, the blocks are raw counts
 * (counts-input.ts) and the service runs counts → encoder → adapter → vote; options and outputs are the same.
 */
import { rm } from 'node:fs/promises';
import { DEFAULT_ENCODER_BATCH } from '../adapter/index.js';
import { AtlasError, createProgress, isAtlasError } from '../common/index.js';
import { INDEX_MAX_K, annotateToColumns, concatAnnotationColumns, createRequestSchemas, optionsFromQuery, type AnnotateQuery, type AnnotationColumns, type RequestSchemas } from '../search/index.js';
import { openAtlasIndex } from '../search/index.js';
import type { IndexManifest, VerifyMode } from '../index-files/index.js';
import { annotateOutputFormat, createAnnotationWriter } from './output.js';
import { openAnnotateInput, type AnnotateInput, type InputBlock } from './input.js';
import { writeH5adWithObs } from './h5ad-obs.js';
import { matchCountsInput, openCountsFile, type CountsInput, type CountsInputOptions } from './counts-input.js';
import { scoreTruth, type TruthReport } from './truth.js';

/** Cells read from the input per block. */
export const INPUT_BLOCK_ROWS = 16_384;
/** Cells of raw counts per block: a dense X block is cells × ~28k genes, so far fewer (4 encoder batches). */
export const COUNTS_BLOCK_ROWS = DEFAULT_ENCODER_BATCH * 4;

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
  /**
   * The input is raw counts (`.h5ad` or a 10x folder), run through the encoder at `encoderPath` (the one the
   * index was built with) before the adapter; `obsm`, `idColumn` and `truthColumn` do not apply.
   */
  readonly expression?: CountsInputOptions & { readonly encoderPath: string };
  /** The request fields (k, weighting, min_confidence, filter, out_of_reference_distance) as strings. */
  readonly request?: Readonly<Record<string, string>>;
  readonly workers?: number;
  readonly verify?: VerifyMode;
  readonly blockRows?: number;
  /** Progress bar on a TTY (default true). */
  readonly progress?: boolean;
  /** Receives one-line notes for the user (the gene match of counts). */
  readonly onMessage?: (line: string) => void;
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

/** One block of cells with its validated request. */
interface QueryBlock {
  readonly n: number;
  readonly cellIds: readonly string[];
  readonly truth?: readonly string[];
  readonly query: AnnotateQuery;
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

function checkPaths(o: RunAnnotateOptions, input: { readonly format: string; readonly numRows: number }): void {
  if (o.h5adOut !== undefined) {
    if (input.format !== 'h5ad') throw new AtlasError('invalid_argument', 'annotate: --h5ad-out needs an .h5ad --in (it copies the input and adds obs columns)');
    if (!/\.h5ad$/i.test(o.h5adOut)) throw new AtlasError('invalid_argument', `annotate: --h5ad-out must end in .h5ad, got ${o.h5adOut}`);
  }
  if (input.numRows === 0) throw new AtlasError('invalid_input', `${o.input} has no cells`);
}

/** Blocks of embeddings, each validated as an Arrow request would be. */
async function* embeddingQueries(input: AnnotateInput, schemas: RequestSchemas, fields: Record<string, unknown>, rows: number): AsyncGenerator<QueryBlock> {
  let row = 0;
  for await (const block of input.blocks(rows)) {
    const query = blockQuery(schemas, fields, block, input.dim, row);
    row += block.n;
    yield { n: block.n, cellIds: block.cellIds, truth: block.truth, query };
  }
}

/**
 * Blocks of aligned counts. The request options are checked once, by the same schema (over a one-cell
 * stand-in matrix, since counts do not go through the embeddings field); each block then carries them.
 */
async function* countsQueries(input: CountsInput, schemas: RequestSchemas, fields: Record<string, unknown>, dim: number, rows: number): AsyncGenerator<QueryBlock> {
  const { k, weighting, minConfidence, outOfReferenceDistance, filter } = schemas.parseAnnotate({ ...fields, embeddings: { kind: 'embedding-matrix', values: new Float32Array(dim).fill(1), n: 1, dim } });
  for await (const block of input.blocks(rows)) {
    yield { n: block.n, cellIds: block.cellIds, query: { expression: block.expression, n: block.n, k, weighting, minConfidence, outOfReferenceDistance, filter } };
  }
}

type Service = Awaited<ReturnType<typeof openAtlasIndex>>;

/** Opens the input and the index (embeddings), or the counts, the index with its encoder, and matches their genes. */
async function openInputs(o: RunAnnotateOptions): Promise<{ input: AnnotateInput | CountsInput; service: Service; geneReport?: string }> {
  // The command is the service's only client: its chunks may take every worker.
  const opts = { adapterPath: o.adapterPath, workers: o.workers ?? 2, verify: o.verify ?? 'quick', keepWorkerFree: false } as const;
  const x = o.expression;
  if (x === undefined) {
    const input = await openAnnotateInput(o.input, { obsm: o.obsm, idColumn: o.idColumn, truthColumn: o.truthColumn });
    try {
      checkPaths(o, input);
      const service = await openAtlasIndex(o.indexDir, opts);
      if (input.dim !== service.manifest.inputDim) {
        await service.close();
        throw new AtlasError('wrong_dimension', `${o.input} has ${input.dim}-dimensional embeddings; this index takes ${service.manifest.inputDim}`);
      }
      return { input, service };
    } catch (err) {
      await input.close();
      throw err;
    }
  }
  if (o.obsm !== undefined || o.idColumn !== undefined || o.truthColumn !== undefined) {
    throw new AtlasError('invalid_argument', 'annotate --expression: --obsm, --id-column and --truth-column apply to embedding inputs (counts take the obs index as cell ids)');
  }
  const { counts, ids } = await openCountsFile(o.input, x);
  let service: Service | null = null;
  try {
    service = await openAtlasIndex(o.indexDir, { ...opts, encoderPath: x.encoderPath });
    const { input, report } = matchCountsInput(counts, service.expression!.genes, x, ids);
    checkPaths(o, input);
    return { input, service, geneReport: `${counts.path}: ${input.numRows} cells, ${input.matrix}; ${report.matched} of the encoder's ${report.model_genes} genes present` };
  } catch (err) {
    await service?.close();
    counts.close();
    throw err;
  }
}

/** Runs the annotation of `o.input` into `o.out` (see the file comment). */
export async function runAnnotate(o: RunAnnotateOptions): Promise<RunAnnotateResult> {
  annotateOutputFormat(o.out);
  const t0 = performance.now();
  const blockRows = o.blockRows ?? (o.expression ? COUNTS_BLOCK_ROWS : INPUT_BLOCK_ROWS);
  const { input, service, geneReport } = await openInputs(o);
  if (geneReport !== undefined) o.onMessage?.(geneReport);
  let writer: Awaited<ReturnType<typeof createAnnotationWriter>> | null = null;
  let h5adWritten = false;
  const progress = o.progress === false ? null : createProgress('annotate', input.numRows, process.stderr, { unit: 'cells' });
  try {
    const m = service.manifest;
    const schemas = cliSchemas(m);
    const fields = optionsFromQuery(new URLSearchParams(o.request ?? {}));
    const keep = o.h5adOut !== undefined || o.truthColumn !== undefined;
    const parts: AnnotationColumns[] = [];
    const truth: string[] = [];
    writer = await createAnnotationWriter(o.out, m);
    let row = 0;
    // Two blocks in flight: the next one is read and annotated while this one is flattened and written.
    let pending: Promise<{ block: QueryBlock; columns: AnnotationColumns }> | null = null;
    const finish = async (p: Promise<{ block: QueryBlock; columns: AnnotationColumns }>) => {
      const { block, columns } = await p;
      await writer!.write(columns, block.cellIds);
      if (keep) parts.push(columns);
      if (block.truth) truth.push(...block.truth);
      progress?.increment(block.n);
    };
    const blocks = 'dim' in input ? embeddingQueries(input, schemas, fields, blockRows) : countsQueries(input, schemas, fields, m.inputDim, blockRows);
    for await (const block of blocks) {
      row += block.n;
      const next = annotateToColumns(service, block.query).then((r) => ({ block, columns: r.columns }));
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
    await service.close();
    await input.close();
  }
}
