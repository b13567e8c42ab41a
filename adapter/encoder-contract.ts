/**
 * The ONNX contract of an expression encoder (SCimilarity's, exported by adapter/python/export_encoder.py,
 * its Python twin: change both together).
 *
 * - input `counts` float32 [N, numGenes], N dynamic: raw counts, columns in the metadata's gene order;
 * - output `embedding` float32 [N, latentDim]: encoder(log1p(counts / total · targetSum)), unit L2 norm;
 *   the normalisation runs inside the graph, so every parity check covers it;
 * - ONNX `metadata_props` with the keys of {@link ENCODER_META}.
 */
import { createHash } from 'node:crypto';
import type { AtlasError } from '../common/index.js';
import { isJsonObject, modelError, readMetadataProps } from './metadata-props.js';
import { checkMatrixValue, type GraphSignature } from './contract.js';

const ENCODER_CONTRACT_VERSION = '1';
export const ENCODER_INPUT = 'counts';
export const ENCODER_OUTPUT = 'embedding';

/** metadata_props keys of an encoder file (JSON where noted). */
export const ENCODER_META = {
  contract: 'fractal_atlas.encoder_contract',
  numGenes: 'fractal_atlas.encoder.n_genes',
  latentDim: 'fractal_atlas.encoder.latent_dim',
  /** JSON string[]: the input column order (gene_order.tsv). */
  geneOrder: 'fractal_atlas.encoder.gene_order',
  /** sha256 of the gene symbols joined by "\n". */
  geneOrderSha256: 'fractal_atlas.encoder.gene_order_sha256',
  /** JSON object: {in_graph, normalize_total: {target_sum, over}, log1p}. */
  preprocessing: 'fractal_atlas.encoder.preprocessing',
  /** JSON object: {kind, hidden_dims, residual, output}. */
  architecture: 'fractal_atlas.encoder.architecture',
  /** JSON object: where the weights came from (folder, checkpoint sha256, torch version). */
  source: 'fractal_atlas.encoder.source',
  /** JSON int[], optional: gene positions by first-layer weight norm, largest first (what missing genes cost). */
  geneRank: 'fractal_atlas.encoder.gene_rank',
} as const;

/** What an encoder file declares about itself. */
export interface EncoderMetadata {
  readonly numGenes: number;
  readonly latentDim: number;
  readonly genes: readonly string[];
  /** Gene positions the encoder weighs most, largest first (may be empty). */
  readonly geneRank: readonly number[];
  readonly geneOrderSha256: string;
  readonly targetSum: number;
  readonly log1p: boolean;
  readonly architecture: Readonly<Record<string, unknown>>;
  readonly source: Readonly<Record<string, unknown>>;
}

const KIND = 'an expression encoder model';
const bad = (source: string, why: string): AtlasError => modelError(source, KIND, why);

/** sha256 (hex) of a gene order: the symbols joined by "\n", UTF-8. */
export function hashGeneOrder(genes: readonly string[]): string {
  return createHash('sha256').update(genes.join('\n'), 'utf8').digest('hex');
}

/** Parses and checks an encoder's metadata_props; `source` names the file in errors. */
export function parseEncoderMetadata(props: ReadonlyMap<string, string>, source: string): EncoderMetadata {
  const m = readMetadataProps(props, source, KIND);
  m.requireVersion(ENCODER_META.contract, ENCODER_CONTRACT_VERSION, 'encoder contract');
  const numGenes = m.positiveInt(ENCODER_META.numGenes);
  const latentDim = m.positiveInt(ENCODER_META.latentDim);
  const genes = m.json(ENCODER_META.geneOrder);
  if (!Array.isArray(genes) || genes.length !== numGenes || !genes.every((g) => typeof g === 'string' && g.length > 0)) {
    throw m.fail(`${ENCODER_META.geneOrder} must list ${numGenes} gene symbols`);
  }
  const geneOrderSha256 = props.get(ENCODER_META.geneOrderSha256) ?? '';
  if (hashGeneOrder(genes as string[]) !== geneOrderSha256) throw m.fail('the gene order does not match its recorded sha256');
  const pre = m.json(ENCODER_META.preprocessing);
  const norm = isJsonObject(pre) && isJsonObject(pre.normalize_total) ? pre.normalize_total : null;
  const targetSum = norm?.target_sum;
  if (!isJsonObject(pre) || pre.in_graph !== true || typeof targetSum !== 'number' || !(targetSum > 0) || typeof pre.log1p !== 'boolean') {
    throw m.fail(`${ENCODER_META.preprocessing} must say {in_graph: true, normalize_total: {target_sum}, log1p}`);
  }
  const architecture = m.json(ENCODER_META.architecture);
  const src = m.json(ENCODER_META.source);
  if (!isJsonObject(architecture) || !isJsonObject(src)) throw m.fail('architecture and source metadata must be JSON objects');
  const rank = m.optionalJson(ENCODER_META.geneRank) ?? [];
  if (!Array.isArray(rank) || !rank.every((g) => Number.isInteger(g) && g >= 0 && g < numGenes)) throw m.fail(`${ENCODER_META.geneRank} must list gene positions in 0..${numGenes - 1}`);
  return { numGenes, latentDim, genes: genes as string[], geneRank: rank as number[], geneOrderSha256, targetSum, log1p: pre.log1p, architecture, source: src };
}

/** Checks names, element types and static dims of a loaded encoder graph against its metadata. */
export function checkEncoderSignature(sig: GraphSignature, meta: EncoderMetadata, source: string): void {
  if (sig.inputs.length !== 1 || sig.inputs[0]!.name !== ENCODER_INPUT) throw bad(source, `inputs are [${sig.inputs.map((i) => i.name).join(', ')}], expected [${ENCODER_INPUT}]`);
  if (sig.outputs.length !== 1 || sig.outputs[0]!.name !== ENCODER_OUTPUT) throw bad(source, `outputs are [${sig.outputs.map((o) => o.name).join(', ')}], expected [${ENCODER_OUTPUT}]`);
  const check = (v: GraphSignature['inputs'][number], dim: number) => checkMatrixValue(v, dim, (why) => bad(source, why));
  check(sig.inputs[0]!, meta.numGenes);
  check(sig.outputs[0]!, meta.latentDim);
}
