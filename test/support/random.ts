/** Seeded test data from the project's one generator (common/prng), so a failure is reproducible. */
import { createRng } from '../../common/index.js';

/** Uniform numbers in [0, 1) for `seed`. */
export function uniformStream(seed: number): () => number {
  return createRng(seed).uniform;
}

/** Uniform numbers in [-1, 1) for `seed`. */
export function signedStream(seed: number): () => number {
  const u = createRng(seed).uniform;
  return () => u() * 2 - 1;
}
