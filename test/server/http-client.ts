/** Small fetch helpers for HTTP tests (real sockets, no mocks of express). */

export interface HttpReply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON body, undefined when the body is not JSON. */
  readonly body: any;
}

export interface CallOptions {
  /** Raw body text (sent as is) or a value to JSON-encode. */
  readonly body?: unknown;
  readonly raw?: string | Uint8Array;
  readonly headers?: Record<string, string>;
}

/** Sends one request and reads the whole reply. JSON bodies get `Content-Type: application/json` unless overridden. */
export async function call(base: string, method: string, path: string, options: CallOptions = {}): Promise<HttpReply> {
  const headers: Record<string, string> = {};
  let body: string | Uint8Array | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  Object.assign(headers, options.headers);
  const res = await fetch(base + path, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  if ((res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** Asserts the shape `{"error": {"code", "message"}}` and returns the error. */
export function errorOf(reply: HttpReply): { code: string; message: string } {
  const e = reply.body?.error;
  if (typeof e?.code !== 'string' || typeof e?.message !== 'string') {
    throw new Error(`expected a JSON error body, got ${reply.status} ${reply.text.slice(0, 200)}`);
  }
  return e;
}
