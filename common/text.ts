/** Bounded echo of client input in messages: a 10 MB value must never come back in an error. */

/** Longest piece of client input quoted in a message. */
const MAX_ECHO_CHARS = 60;
/** Longest error message sent (a safety net over every message, whoever built it). */
export const MAX_MESSAGE_CHARS = 1000;

/** `s` cut to `max` characters with "…(N more)" when longer. */
export function clipText(s: string, max = MAX_ECHO_CHARS): string {
  if (s.length <= max) return s;
  return `${s.slice(0, max)}…(${s.length - max} more characters)`;
}

/** JSON-quoted and clipped, for values quoted in messages. */
export function quoteInput(v: unknown, max = MAX_ECHO_CHARS): string {
  const text = typeof v === 'string' ? v : String(v);
  return JSON.stringify(text.length > max ? text.slice(0, max) : text) + (text.length > max ? `…(${text.length - max} more characters)` : '');
}
