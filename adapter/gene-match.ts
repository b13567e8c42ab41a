/**
 * Matching the genes of a query (an HTTP request, an .h5ad's var names) to an encoder's gene order by
 * symbol: exact first, else case-insensitive where the lower-cased symbol names one model gene only. Pure.
 */
import { AtlasError, type ErrorCode } from '../common/index.js';

/** SCimilarity's default: a dataset sharing fewer genes with the model is refused. */
export const DEFAULT_MIN_GENE_OVERLAP = 10_000;
/** Gene names listed in reports and errors (missing model genes, unmatched query genes). */
const REPORT_GENES = 20;

/** Lookup tables of one gene order, built once per encoder. */
export interface GeneIndex {
  readonly genes: readonly string[];
  readonly exact: ReadonlyMap<string, number>;
  /** Lower-cased symbol → model column, for symbols whose lower case is unique in the model. */
  readonly folded: ReadonlyMap<string, number>;
  /** Model columns in the order missing genes are reported: the encoder's weight rank, then gene order. */
  readonly reportOrder: Int32Array;
}

/** How a query's genes map onto the model's. */
export interface GeneMatch {
  readonly numModelGenes: number;
  readonly numQueryGenes: number;
  /** Query column → model column, −1 where the model has no such gene. */
  readonly columnOf: Int32Array;
  /** Model genes the query has. */
  readonly matched: number;
  /** Model genes absent from the query (their counts are 0): the {@link REPORT_GENES} the encoder weighs most. */
  readonly missing: readonly string[];
  /** Query genes the model does not use (dropped), the first {@link REPORT_GENES} in query order. */
  readonly unmatched: readonly string[];
  readonly unmatchedCount: number;
}

/** The gene report returned with expression answers (snake_case: it is part of the API). */
export interface GeneReport {
  readonly matched: number;
  readonly model_genes: number;
  readonly query_genes: number;
  readonly missing_examples: readonly string[];
  readonly unmatched: number;
  readonly unmatched_examples: readonly string[];
}

/**
 * Builds the lookup tables of a gene order; `rank` (gene positions, most important first) orders the
 * missing genes of reports, the rest follow in gene order.
 */
export function createGeneIndex(genes: readonly string[], rank: readonly number[] = []): GeneIndex {
  const exact = new Map<string, number>();
  const folded = new Map<string, number>();
  const ambiguous = new Set<string>();
  genes.forEach((g, i) => {
    if (!exact.has(g)) exact.set(g, i);
    const f = g.toLowerCase();
    if (folded.has(f)) ambiguous.add(f);
    else folded.set(f, i);
  });
  for (const f of ambiguous) folded.delete(f);
  const reportOrder = new Int32Array(genes.length);
  const placed = new Uint8Array(genes.length);
  let o = 0;
  for (const g of rank) {
    if (placed[g] === 0 && g >= 0 && g < genes.length) {
      placed[g] = 1;
      reportOrder[o++] = g;
    }
  }
  for (let g = 0; g < genes.length; g++) if (placed[g] === 0) reportOrder[o++] = g;
  return { genes, exact, folded, reportOrder };
}

/**
 * Matches query genes to the model. Two query genes matching the same model gene are refused with `code`
 * (their counts would have to be merged silently).
 */
export function matchGenes(index: GeneIndex, queryGenes: readonly string[], code: ErrorCode, where = 'genes'): GeneMatch {
  const G = index.genes.length;
  const columnOf = new Int32Array(queryGenes.length).fill(-1);
  const takenBy = new Int32Array(G).fill(-1);
  const unmatched: string[] = [];
  let unmatchedCount = 0;
  let matched = 0;
  queryGenes.forEach((g, q) => {
    const col = index.exact.get(g) ?? index.folded.get(g.toLowerCase());
    if (col === undefined) {
      unmatchedCount++;
      if (unmatched.length < REPORT_GENES) unmatched.push(g);
      return;
    }
    if (takenBy[col]! >= 0) {
      const first = takenBy[col]!;
      throw new AtlasError(code, `${where}[${first}] (${JSON.stringify(queryGenes[first])}) and ${where}[${q}] (${JSON.stringify(g)}) both match the model gene ${JSON.stringify(index.genes[col])}; give each gene once`);
    }
    takenBy[col] = q;
    columnOf[q] = col;
    matched++;
  });
  const missing: string[] = [];
  for (let i = 0; i < G && missing.length < REPORT_GENES; i++) {
    const c = index.reportOrder[i]!;
    if (takenBy[c]! < 0) missing.push(index.genes[c]!);
  }
  return { numModelGenes: G, numQueryGenes: queryGenes.length, columnOf, matched, missing, unmatched, unmatchedCount };
}

/** The API form of a match. */
export function geneReport(m: GeneMatch): GeneReport {
  return {
    matched: m.matched,
    model_genes: m.numModelGenes,
    query_genes: m.numQueryGenes,
    missing_examples: m.missing,
    unmatched: m.unmatchedCount,
    unmatched_examples: m.unmatched,
  };
}

/** Refuses a match sharing fewer than `minOverlap` genes with the model (SCimilarity's check_dataset). */
export function requireGeneOverlap(m: GeneMatch, minOverlap: number): void {
  if (m.matched >= minOverlap) return;
  const hint = m.unmatchedCount > 0 ? `; unmatched query genes include ${m.unmatched.slice(0, 5).map((g) => JSON.stringify(g)).join(', ')} (are they gene symbols?)` : '';
  throw new AtlasError(
    'insufficient_gene_overlap',
    `only ${m.matched} of the model's ${m.numModelGenes} genes are in the query, at least ${minOverlap} are required${hint}`,
    geneReport(m),
  );
}
