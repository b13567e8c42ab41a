/** One line per request or event, `key=value` pairs after an ISO timestamp; never one line per vector. */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined | null>>;

/** Where the server writes its event lines. */
export interface Logger {
  info(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

function formatValue(v: string | number | boolean): string {
  const s = String(v);
  return /^[\w.:/@+-]+$/.test(s) ? s : JSON.stringify(s);
}

/** Formats one log line (exported for tests). */
export function formatLogLine(level: 'info' | 'error', event: string, fields: LogFields = {}, now = new Date()): string {
  let line = `${now.toISOString()} ${level} ${event}`;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v === null) continue;
    line += ` ${k}=${formatValue(v)}`;
  }
  return `${line}\n`;
}

/** A logger writing to a stream (stderr by default). */
export function createStreamLogger(stream: NodeJS.WritableStream = process.stderr): Logger {
  return {
    info: (event, fields) => void stream.write(formatLogLine('info', event, fields)),
    error: (event, fields) => void stream.write(formatLogLine('error', event, fields)),
  };
}

/** A logger that drops everything (tests). */
export const SILENT_LOGGER: Logger = { info() {}, error() {} };
