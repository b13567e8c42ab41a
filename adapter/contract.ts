/**
 * The ONNX contract of a fractal adapter, TypeScript side. The Python twin is adapter/python/onnx_contract.py:
 * change both together.
 *
 * - input `embedding` float32 [N, inputDim], N dynamic;
 * - output `blocks` float32 [N, numScales·scaleDim]: the concatenated raw scale blocks (no normalisation);
 * - output `full` float32 [N, numScales·scaleDim]: final LayerNorm, then L2-normalised;
 * - ONNX `metadata_props` with the keys of {@link META}.
 */
import { LEVEL_COLUMNS, isLevelColumn, type AtlasError, type LevelColumn } from '../common/index.js';
import { isJsonObject, modelError, readMetadataProps } from './metadata-props.js';

export const CONTRACT_VERSION = '1';
export const INPUT_NAME = 'embedding';
export const OUTPUT_BLOCKS = 'blocks';
export const OUTPUT_FULL = 'full';

/** metadata_props keys (values are strings; JSON where noted). */
export const META = {
  contract: 'fractal_atlas.contract',
  inputDim: 'fractal_atlas.input_dim',
  numScales: 'fractal_atlas.num_scales',
  scaleDim: 'fractal_atlas.scale_dim',
  /** JSON string[] of length numScales, coarse to fine. */
  levelColumns: 'fractal_atlas.level_columns',
  /** JSON string[][]: label code i of level l is vocabularies[l][i]. */
  vocabularies: 'fractal_atlas.vocabularies',
  fingerprint: 'fractal_atlas.training_fingerprint',
  /** JSON object. */
  recipe: 'fractal_atlas.recipe',
  /** JSON object, optional: held-out kNN accuracies measured by the trainer. */
  validation: 'fractal_atlas.validation',
} as const;

/** What an adapter file declares about itself. */
export interface AdapterMetadata {
  readonly inputDim: number;
  readonly numScales: number;
  readonly scaleDim: number;
  /** One level column per scale, coarse to fine: scale i was trained to separate levelColumns[i]. */
  readonly levelColumns: readonly LevelColumn[];
  /** The distinct level columns served, in LEVEL_COLUMNS order. */
  readonly servedLevels: readonly LevelColumn[];
  /** Level column → prefix j serving it: the prefix ending with the (last) scale trained for that level. */
  readonly levelPrefix: Readonly<Partial<Record<LevelColumn, number>>>;
  readonly vocabularies: readonly (readonly string[])[];
  readonly fingerprint: string;
  readonly recipe: Readonly<Record<string, unknown>>;
  readonly validation: Readonly<Record<string, unknown>> | null;
}

const KIND = 'a fractal adapter model';
const bad = (source: string, why: string): AtlasError => modelError(source, KIND, why);
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** Parses and checks the metadata_props of an adapter file; `source` names the file in errors. */
export function parseAdapterMetadata(props: ReadonlyMap<string, string>, source: string): AdapterMetadata {
  const m = readMetadataProps(props, source, KIND);
  m.requireVersion(META.contract, CONTRACT_VERSION, 'contract version');
  const inputDim = m.positiveInt(META.inputDim);
  const numScales = m.positiveInt(META.numScales);
  const scaleDim = m.positiveInt(META.scaleDim);
  const levelColumns = m.json(META.levelColumns);
  if (!isStringArray(levelColumns) || levelColumns.length !== numScales) throw m.fail(`${META.levelColumns} must list ${numScales} level names`);
  const unknown = levelColumns.find((c) => !isLevelColumn(c));
  if (unknown !== undefined) throw m.fail(`level column ${JSON.stringify(unknown)} is not one of ${LEVEL_COLUMNS.join(', ')}`);
  const levelPrefix: Partial<Record<LevelColumn, number>> = {};
  (levelColumns as LevelColumn[]).forEach((c, i) => (levelPrefix[c] = i + 1));
  const servedLevels = LEVEL_COLUMNS.filter((c) => levelPrefix[c] !== undefined);
  const vocabularies = m.json(META.vocabularies);
  if (!Array.isArray(vocabularies) || vocabularies.length !== numScales || !vocabularies.every((v) => isStringArray(v) && v.length > 0)) {
    throw m.fail(`${META.vocabularies} must hold ${numScales} non-empty label lists`);
  }
  const fingerprint = props.get(META.fingerprint);
  if (fingerprint === undefined || fingerprint === '') throw m.fail(`metadata ${META.fingerprint} is missing`);
  const recipe = m.json(META.recipe);
  if (!isJsonObject(recipe)) throw m.fail(`${META.recipe} must be a JSON object`);
  const validation = m.optionalJson(META.validation) ?? null;
  if (validation !== null && !isJsonObject(validation)) throw m.fail(`${META.validation} must be a JSON object`);
  return { inputDim, numScales, scaleDim, levelColumns: levelColumns as LevelColumn[], servedLevels, levelPrefix, vocabularies: vocabularies as string[][], fingerprint, recipe, validation };
}

/** The declared inputs/outputs of a loaded graph, as the ORT wrapper reports them. */
export interface GraphSignature {
  readonly inputs: readonly { readonly name: string; readonly type?: string; readonly shape?: readonly (number | string)[] }[];
  readonly outputs: readonly { readonly name: string; readonly type?: string; readonly shape?: readonly (number | string)[] }[];
}

/** Checks names, element types and static dims of the graph against its metadata. */
export function checkGraphSignature(sig: GraphSignature, meta: AdapterMetadata, source: string): void {
  const names = (xs: GraphSignature['inputs']) => xs.map((x) => x.name).join(', ');
  if (sig.inputs.length !== 1 || sig.inputs[0].name !== INPUT_NAME) throw bad(source, `inputs are [${names(sig.inputs)}], expected [${INPUT_NAME}]`);
  const outNames = sig.outputs.map((o) => o.name);
  if (outNames.length !== 2 || !outNames.includes(OUTPUT_BLOCKS) || !outNames.includes(OUTPUT_FULL)) {
    throw bad(source, `outputs are [${outNames.join(', ')}], expected [${OUTPUT_BLOCKS}, ${OUTPUT_FULL}]`);
  }
  const check = (v: GraphSignature['inputs'][number], dim: number) => checkMatrixValue(v, dim, (why) => bad(source, why));
  check(sig.inputs[0], meta.inputDim);
  for (const o of sig.outputs) check(o, meta.numScales * meta.scaleDim);
}

/**
 * Checks one declared input/output against a float32 [N, dim] matrix with a dynamic N; `fail` makes the
 * error (each model kind words its own). A value without a recorded shape is checked on every run instead.
 */
export function checkMatrixValue(v: GraphSignature['inputs'][number], dim: number, fail: (why: string) => AtlasError): void {
  if (v.type !== undefined && v.type !== 'float32') throw fail(`${v.name} is ${v.type}, expected float32`);
  if (v.shape === undefined || v.shape.length === 0) return;
  if (v.shape.length !== 2) throw fail(`${v.name} has rank ${v.shape.length}, expected 2`);
  if (typeof v.shape[0] === 'number') throw fail(`${v.name} has a fixed batch size ${v.shape[0]}, expected a dynamic one`);
  if (typeof v.shape[1] === 'number' && v.shape[1] !== dim) throw fail(`${v.name} has ${v.shape[1]} columns, metadata says ${dim}`);
}
