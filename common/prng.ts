/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) and a Box-Muller Gaussian sampler. The demo atlas
 * must be byte-identical for a given seed on every machine, so nothing here touches Math.random.
 */

/** A deterministic stream of uniform and Gaussian numbers. */
export interface Rng {
  /** Uniform in [0, 1) with 32 bits of resolution. */
  uniform(): number;
  /** Integer in [0, n). */
  int(n: number): number;
  /** Standard normal. */
  gaussian(): number;
  /** Fills `out[offset .. offset+count)` with standard normals (faster than calling gaussian() in a loop). */
  fillGaussian(out: Float32Array | Float64Array, offset: number, count: number, scale?: number): void;
}

const TWO_POW_32 = 4294967296;

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * Creates an {@link Rng} from an integer seed (any safe integer; the high and low 32 bits both count) and an
 * optional stream number, so that independent sub-streams (model parameters vs. cells) never overlap.
 */
export function createRng(seed: number, stream = 0): Rng {
  const hi = Math.floor(seed / TWO_POW_32) | 0;
  // Seed low bits, high bits and stream are mixed in one after the other, so (seed, stream) pairs map to
  // unrelated states (no xor collisions between nearby seeds and streams).
  const sm = { s: seed | 0 };
  sm.s = splitmix32(sm) ^ hi;
  sm.s = splitmix32(sm) ^ (stream | 0);
  let a = splitmix32(sm) | 0;
  let b = splitmix32(sm) | 0;
  let c = splitmix32(sm) | 0;
  let d = 1;
  const next = (): number => {
    // sfc32: passes PractRand to multi-terabyte lengths, pure 32-bit integer arithmetic.
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / TWO_POW_32;
  };
  for (let i = 0; i < 12; i++) next();
  let spare = 0;
  let hasSpare = false;
  const gaussian = (): number => {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    // 1 - u keeps the log argument in (0, 1].
    const r = Math.sqrt(-2 * Math.log(1 - next()));
    const th = 2 * Math.PI * next();
    spare = r * Math.sin(th);
    hasSpare = true;
    return r * Math.cos(th);
  };
  return {
    uniform: next,
    int: (n) => Math.floor(next() * n),
    gaussian,
    fillGaussian(out, offset, count, scale = 1) {
      let i = offset;
      const end = offset + count;
      if (hasSpare && i < end) out[i++] = gaussian() * scale;
      for (; i + 1 < end; i += 2) {
        const r = Math.sqrt(-2 * Math.log(1 - next())) * scale;
        const th = 2 * Math.PI * next();
        out[i] = r * Math.cos(th);
        out[i + 1] = r * Math.sin(th);
      }
      if (i < end) out[i] = gaussian() * scale;
    },
  };
}
