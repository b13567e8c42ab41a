/**
 * The query cells of `annotate --expression`: raw counts (an `.h5ad`'s `layers['counts']` or X, or a 10x
 * folder) read in row blocks by atlas/import, matched once to the served encoder's genes and aligned block by
 * block (adapter). The service then runs counts → encoder → adapter → search in its workers.
 */
import { alignCsrRows, geneReport, matchGenes, requireGeneOverlap, type AlignedCounts, type GeneIndex, type GeneReport } from '../adapter/index.js';
import { openCounts, type CountsMatrix, type H5adCounts } from '../atlas/index.js';

/** Options of {@link openCountsInput}. */
export interface CountsInputOptions {
  /** `.h5ad`: `counts` (default, `layers['counts']`) or `X`. */
  readonly matrix?: CountsMatrix;
  /** `.h5ad`: var column of gene symbols (default: the var index). */
  readonly geneColumn?: string;
  /** Fewest encoder genes the file must have. */
  readonly minGeneOverlap: number;
}

/** One block of aligned counts. */
export interface CountsInputBlock {
  readonly expression: AlignedCounts;
  readonly n: number;
  readonly cellIds: readonly string[];
}

/** An opened counts input, its genes matched to an encoder. */
export interface CountsInput {
  readonly path: string;
  readonly format: 'h5ad' | '10x';
  readonly numRows: number;
  /** The HDF5 path or file the counts come from (for messages). */
  readonly matrix: string;
  blocks(rows: number): AsyncIterable<CountsInputBlock>;
  close(): Promise<void>;
}

/** The matched input (see the file comment); `insufficient_gene_overlap` below `o.minGeneOverlap`. */
export function matchCountsInput(counts: H5adCounts, genes: GeneIndex, o: CountsInputOptions, ids: readonly string[] | null): { input: CountsInput; report: GeneReport } {
  const match = matchGenes(genes, counts.genes, 'invalid_input', 'var');
  requireGeneOverlap(match, o.minGeneOverlap);
  const idOf = (row: number) => (ids === null ? String(row) : ids[row]!);
  const input: CountsInput = {
    path: counts.path,
    format: /\.h5(ad)?$/i.test(counts.path) ? 'h5ad' : '10x',
    numRows: counts.numCells,
    matrix: counts.matrix,
    async *blocks(rows) {
      for await (const b of counts.blocks(rows)) {
        const expression = alignCsrRows(b, match, 'invalid_input', (r) => `${counts.matrix} row ${b.start + r}`);
        yield { expression, n: b.n, cellIds: Array.from({ length: b.n }, (_, i) => idOf(b.start + i)) };
      }
    },
    close: async () => counts.close(),
  };
  return { input, report: geneReport(match) };
}

/** Opens the counts at `path` and their cell ids (the obs index, else row numbers). */
export async function openCountsFile(path: string, o: CountsInputOptions): Promise<{ counts: H5adCounts; ids: string[] | null }> {
  const counts = await openCounts(path, { matrix: o.matrix, geneColumn: o.geneColumn });
  try {
    return { counts, ids: await counts.cellIds() };
  } catch (err) {
    counts.close();
    throw err;
  }
}
