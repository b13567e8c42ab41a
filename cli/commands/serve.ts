import { AtlasError } from '../../common/index.js';
import { openAtlasIndex } from '../../search/index.js';
import { DEFAULT_MIN_GENE_OVERLAP } from '../../adapter/index.js';
import { API_KEY_ENV, startServer, type RunningServer } from '../../server/index.js';
import { readInt, requireString, type Command } from '../command.js';

/** What `serve` and `start` need to put an index on the network. */
export interface ServeIndexOptions {
  readonly indexDir: string;
  readonly adapterPath: string;
  /** Expression encoder the index was built with: POST counts to search / annotate. */
  readonly encoderPath?: string;
  readonly minGeneOverlap?: number;
  readonly port: number;
  readonly host: string;
  readonly apiKey?: string;
  readonly corsOrigin?: string;
  readonly workers?: number;
  readonly threadsPerWorker?: number;
  /** How to pick another port, for the "already in use" message (default: `choose another with --port`). */
  readonly portHint?: string;
  /** Called once the server listens (prints the URL and examples). */
  readonly onListening?: (server: RunningServer) => void;
}

/**
 * Opens the index (which refuses a manifest, file or adapter mismatch with one clear AtlasError), serves it,
 * and resolves when the server has shut down gracefully (SIGTERM / SIGINT).
 */
export async function serveIndex(options: ServeIndexOptions): Promise<void> {
  const service = await openAtlasIndex(options.indexDir, {
    adapterPath: options.adapterPath,
    encoderPath: options.encoderPath,
    workers: options.workers,
    threadsPerWorker: options.threadsPerWorker,
  });
  let server: RunningServer;
  try {
    server = await startServer(service, { port: options.port, host: options.host, apiKey: options.apiKey, corsOrigin: options.corsOrigin, minGeneOverlap: options.minGeneOverlap });
  } catch (err) {
    await service.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new AtlasError('invalid_argument', `port ${options.port} on ${options.host} is already in use (${options.portHint ?? 'choose another with --port'})`);
    if (code === 'EACCES') throw new AtlasError('invalid_argument', `no permission to listen on ${options.host}:${options.port}`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new AtlasError('invalid_argument', `cannot listen on host ${options.host}`);
    throw err;
  }
  options.onListening?.(server);
  await server.closed;
}

/** Reads --api-key, falling back to the environment; an empty key is refused rather than silently ignored. */
export function readApiKey(values: Record<string, unknown>): string | undefined {
  const v = values['api-key'] ?? process.env[API_KEY_ENV];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim().length === 0) throw new AtlasError('invalid_argument', `--api-key (or ${API_KEY_ENV}) must not be empty`);
  return v;
}

/** Reads --cors: `*` or an origin such as `https://app.example.org` (scheme://host[:port], no path). */
export function readCorsOrigin(values: Record<string, unknown>): string | undefined {
  const v = values.cors;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || (v !== '*' && !/^https?:\/\/[^/\s]+$/.test(v))) {
    throw new AtlasError('invalid_argument', `--cors must be "*" or an origin like https://app.example.org, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** The network options shared by `serve` and `start`. */
export const SERVE_NETWORK_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'api-key': { type: 'string' },
  cors: { type: 'string' },
  workers: { type: 'string' },
  threads: { type: 'string' },
} as const;

export const SERVE_NETWORK_USAGE = [
  '  --port N           TCP port (default 8080; 0 picks a free one)',
  '  --host H           interface to bind (default 127.0.0.1; 0.0.0.0 for every interface)',
  `  --api-key K        require "Authorization: Bearer K" on /v1 (default: $${API_KEY_ENV}, else no auth)`,
  '  --cors ORIGIN      send CORS headers for ORIGIN (or *); off by default',
  '  --workers N        worker threads running the adapter and the searches (default 2)',
  '  --threads N        usearch / onnxruntime threads inside each worker (default 1)',
];

/** Parses the shared network options. */
export function readNetworkOptions(values: Record<string, unknown>, defaultPort: number) {
  return {
    port: readInt(values, 'port', defaultPort, 0, 65535),
    host: typeof values.host === 'string' && values.host.length > 0 ? values.host : '127.0.0.1',
    apiKey: readApiKey(values),
    corsOrigin: readCorsOrigin(values),
    workers: readInt(values, 'workers', 2, 0, 64),
    threadsPerWorker: readInt(values, 'threads', 1, 1, 256),
  };
}

/** Prints the URL and a first request to try. */
export function printServing(out: NodeJS.WritableStream, server: RunningServer, apiKey: string | undefined, example: string): void {
  const auth = apiKey !== undefined ? ` -H "Authorization: Bearer $${API_KEY_ENV}"` : '';
  out.write(
    `fractal-atlas: serving on ${server.url}  (GET ${server.url}/openapi.json; Ctrl-C stops)\n` +
      `try: curl -s${auth} -H 'Content-Type: application/json' -d '${example}' ${server.url}/v1/search\n`,
  );
}

/** `fractal-atlas serve`: serve a built index over HTTP. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve a built index over HTTP (search, annotate, info, metrics)',
  usage: [
    'usage: fractal-atlas serve --index DIR --adapter adapter.onnx [--port 8080] [--host 127.0.0.1]',
    '                           [--api-key K] [--cors ORIGIN] [--workers N] [--threads N]',
    '',
    '  --index DIR        index folder written by `fractal-atlas build`',
    '  --adapter FILE     the adapter the index was built with (its sha256 must match), or "identity"',
    '  --encoder FILE     the expression encoder of build --encoder (sha256 must match): take raw counts',
    `  --min-gene-overlap N  fewest encoder genes a counts query must have (default ${DEFAULT_MIN_GENE_OVERLAP})`,
    ...SERVE_NETWORK_USAGE,
    '',
    'Endpoints: GET /healthz /readyz /metrics /openapi.json /v1/info, POST /v1/search /v1/annotate (README "HTTP API").',
    'SIGTERM or SIGINT stops accepting, finishes requests in flight and closes the index.',
  ].join('\n'),
  options: { index: { type: 'string' }, adapter: { type: 'string' }, encoder: { type: 'string' }, 'min-gene-overlap': { type: 'string' }, ...SERVE_NETWORK_OPTIONS },
  async run(values, positionals, io) {
    if (positionals.length > 0) throw new AtlasError('invalid_argument', `serve: unexpected argument ${JSON.stringify(positionals[0])}`);
    const indexDir = requireString(values, 'index', 'serve');
    const adapterPath = requireString(values, 'adapter', 'serve');
    const net = readNetworkOptions(values, 8080);
    await serveIndex({
      indexDir,
      adapterPath,
      encoderPath: values.encoder === undefined ? undefined : requireString(values, 'encoder', 'serve'),
      minGeneOverlap: readInt(values, 'min-gene-overlap', DEFAULT_MIN_GENE_OVERLAP, 1, 10_000_000),
      ...net,
      onListening: (server) => printServing(io.stdout, server, net.apiKey, '{"cell_ids": ["<a cell id>"], "level": "type", "k": 5}'),
    });
  },
};
