/** Small statistics shared by the benchmarks. */

/** The middle value (the upper one of an even count): benchmarks report medians of repeated runs. */
export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
