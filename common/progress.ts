import cliProgress from 'cli-progress';

/** A progress sink: a bar on a TTY, silent otherwise (logs and CI stay clean). */
export interface Progress {
  /** Advance by `n` units. */
  increment(n: number): void;
  /** Change the expected total (e.g. when it becomes known late). */
  setTotal(total: number): void;
  stop(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** When set, the bar also shows the rate in `<unit>/s` (e.g. "cells"). */
  readonly unit?: string;
}

/** Creates a progress bar on stderr when it is a TTY, a no-op otherwise. */
export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr, options: ProgressOptions = {}): Progress {
  if (!stream.isTTY) {
    return { increment() {}, setTotal() {}, stop() {} };
  }
  const rate = options.unit === undefined ? '' : ` | {rate} ${options.unit}/s`;
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total}${rate} | {eta_formatted} left`, stream, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  const t0 = performance.now();
  let value = 0;
  bar.start(total, 0, { rate: '0' });
  return {
    increment: (n) => {
      value += n;
      bar.increment(n, { rate: String(Math.round(value / Math.max(1e-3, (performance.now() - t0) / 1000))) });
    },
    setTotal: (t) => bar.setTotal(t),
    stop: () => bar.stop(),
  };
}
