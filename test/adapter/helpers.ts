/** Shared helpers of the adapter tests: the torch probe, temp dirs and a tiny protobuf encoder for fakes. */
import { fileURLToPath } from 'node:url';
import { ENCODER_META, hashGeneOrder } from '../../adapter/index.js';
export { TORCH_SKIP } from '../support/python-packages.js';
/** `tempDir(prefix)`: a fresh temp folder, removed after the test file. */
export { makeTempDir as tempDir } from '../support/temp-dir.js';

/** The compiled CLI entry, for tests that run it as its own process. */
export const CLI_ENTRY = fileURLToPath(new URL('../../cli/run.js', import.meta.url));

function varint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function lenField(field: number, payload: Uint8Array): number[] {
  return [...varint(field * 8 + 2), ...varint(payload.length), ...payload];
}

/**
 * A minimal ModelProto: ir_version (1), an empty graph (7) and metadata_props (14). Enough for the metadata
 * reader; a fake session stands in for onnxruntime.
 */
export function fakeModelBytes(props: Record<string, string>): Uint8Array {
  const enc = new TextEncoder();
  const bytes: number[] = [...varint(1 * 8 + 0), 8, ...lenField(7, new Uint8Array(0))];
  for (const [k, v] of Object.entries(props)) {
    bytes.push(...lenField(14, new Uint8Array([...lenField(1, enc.encode(k)), ...lenField(2, enc.encode(v))])));
  }
  return new Uint8Array(bytes);
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** A fake expression-encoder file: valid encoder metadata over `genes`, an empty graph (for fake sessions). */
export function fakeEncoderBytes(genes: readonly string[], latentDim: number, overrides: Record<string, string> = {}): Uint8Array {
  return fakeModelBytes({
    [ENCODER_META.contract]: '1',
    [ENCODER_META.numGenes]: String(genes.length),
    [ENCODER_META.latentDim]: String(latentDim),
    [ENCODER_META.geneOrder]: JSON.stringify(genes),
    [ENCODER_META.geneOrderSha256]: hashGeneOrder(genes),
    [ENCODER_META.preprocessing]: JSON.stringify({ in_graph: true, normalize_total: { target_sum: 1e4, over: 'aligned genes' }, log1p: true }),
    [ENCODER_META.architecture]: JSON.stringify({ kind: 'test' }),
    [ENCODER_META.source]: JSON.stringify({}),
    ...overrides,
  });
}
