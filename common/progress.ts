import cliProgress from 'cli-progress';

/** A progress sink: a bar on a TTY, silent otherwise (logs and CI stay clean). */
export interface Progress {
  /** Advance by `n` units. */
  increment(n: number): void;
  /** Change the expected total (e.g. when it becomes known late). */
  setTotal(total: number): void;
  stop(): void;
}

/** Creates a progress bar on stderr when it is a TTY, a no-op otherwise. */
export function createProgress(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) {
    return { increment() {}, setTotal() {}, stop() {} };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`, stream, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    increment: (n) => bar.increment(n),
    setTotal: (t) => bar.setTotal(t),
    stop: () => bar.stop(),
  };
}
