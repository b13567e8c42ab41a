import { AtlasError } from '../../common/index.js';
import { readReferenceMap, type VerifyMode } from '../../index-files/index.js';
import { openAtlasIndex } from '../../search/index.js';
import { DEFAULT_MIN_GENE_OVERLAP } from '../../adapter/index.js';
import { API_KEY_ENV, startServer, type RunningServer } from '../../server/index.js';
import { defineCommand } from '../command.js';
import { option } from '../options.js';
import { networkOptions } from '../shared-options.js';

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
  /** Checks of the index folder before the server listens (default full). */
  readonly verify?: VerifyMode;
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly maxConnections?: number;
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
    verify: options.verify,
  });
  let server: RunningServer;
  try {
    const referenceMap = await readReferenceMap(options.indexDir, service.manifest);
    server = await startServer(service, {
      port: options.port,
      host: options.host,
      apiKey: options.apiKey,
      corsOrigin: options.corsOrigin,
      headersTimeoutMs: options.headersTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
      maxConnections: options.maxConnections,
      referenceMap,
      minGeneOverlap: options.minGeneOverlap,
    });
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

/** Parsed network options (`networkOptions`) → the network fields of {@link ServeIndexOptions}. */
export function networkSettings(o: {
  port: number;
  host: string;
  'api-key'?: string;
  cors?: string;
  workers: number;
  threads: number;
  verify: VerifyMode;
  'header-timeout': number;
  'body-timeout': number;
  'max-connections': number;
}) {
  return {
    port: o.port,
    host: o.host,
    apiKey: o['api-key'],
    corsOrigin: o.cors,
    workers: o.workers,
    threadsPerWorker: o.threads,
    verify: o.verify,
    headersTimeoutMs: o['header-timeout'] * 1000,
    requestTimeoutMs: o['body-timeout'] * 1000,
    maxConnections: o['max-connections'],
  };
}

/** Prints the URL and a first request to try. */
export function printServing(out: NodeJS.WritableStream, server: RunningServer, apiKey: string | undefined, example: string): void {
  const auth = apiKey !== undefined ? ` -H "Authorization: Bearer $${API_KEY_ENV}"` : '';
  out.write(
    `fractal-atlas: serving on ${server.url}  (web page ${server.url}/, API ${server.url}/openapi.json; Ctrl-C stops)\n` +
      `try: curl -s${auth} -H 'Content-Type: application/json' -d '${example}' ${server.url}/v1/search\n`,
  );
}

/** `fractal-atlas serve`: serve a built index over HTTP. */
export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'serve a built index over HTTP (search, annotate, info, metrics)',
  synopsis: ['--index DIR --adapter adapter.onnx [--port 8080] [--host 127.0.0.1] [--api-key K] [--cors ORIGIN] [--workers N] [--threads N] [--verify full|quick|none]'],
  options: {
    index: option.required('DIR', 'index folder written by `fractal-atlas build`'),
    adapter: option.required('FILE', 'the adapter the index was built with (its sha256 must match), or "identity"'),
    encoder: option.text('FILE', 'the expression encoder of build --encoder (sha256 must match): take raw counts'),
    'min-gene-overlap': option.int('N', `fewest encoder genes a counts query must have (default ${DEFAULT_MIN_GENE_OVERLAP})`, { fallback: DEFAULT_MIN_GENE_OVERLAP, min: 1, max: 10_000_000 }),
    ...networkOptions('TCP port (default 8080; 0 picks a free one)'),
  },
  notes: [
    'Endpoints: GET /healthz /readyz /metrics /openapi.json /v1/info /v1/map, POST /v1/search /v1/annotate (README "HTTP API");',
    'the web page at / (README "The web page").',
    'SIGTERM or SIGINT stops accepting, finishes requests in flight and closes the index.',
  ],
  async run(o, io) {
    await serveIndex({
      indexDir: o.index,
      adapterPath: o.adapter,
      encoderPath: o.encoder,
      minGeneOverlap: o['min-gene-overlap'],
      ...networkSettings(o),
      onListening: (server) => printServing(io.stdout, server, o['api-key'], '{"cell_ids": ["<a cell id>"], "level": "type", "k": 5}'),
    });
  },
});
