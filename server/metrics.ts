import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prefix of every metric name this server exports. */
export const METRIC_PREFIX = 'fractal_atlas_';

/** The server's Prometheus metrics, on a Registry of their own (never prom-client's global one). */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly searchDuration: Histogram<'level'>;
  readonly cellsAnnotated: Counter;
  readonly cellsSearched: Counter<'level'>;
  readonly indexVectors: Gauge<'prefix' | 'level'>;
  readonly adapterDuration: Histogram;
  readonly annotateDuration: Histogram;
}

/** Options of {@link createServerMetrics}. */
export interface ServerMetricsOptions {
  /** Also collect prom-client's process defaults (CPU, memory, event-loop lag, GC). Default true. */
  readonly defaults?: boolean;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Creates the metric set on a fresh Registry. */
export function createServerMetrics(options: ServerMetricsOptions = {}): ServerMetrics {
  const registry = new Registry();
  if (options.defaults !== false) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];
  return {
    registry,
    httpDuration: new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: 'HTTP request duration by method, route pattern and status code',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    searchDuration: new Histogram({
      name: `${METRIC_PREFIX}search_duration_seconds`,
      help: 'Index search time of one request (all its queries), by level, as measured by the index service',
      labelNames: ['level'] as const,
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    cellsSearched: new Counter({
      name: `${METRIC_PREFIX}cells_searched_total`,
      help: 'Query cells searched, by level',
      labelNames: ['level'] as const,
      registers,
    }),
    cellsAnnotated: new Counter({
      name: `${METRIC_PREFIX}cells_annotated_total`,
      help: 'Cells annotated by /v1/annotate',
      registers,
    }),
    indexVectors: new Gauge({
      name: `${METRIC_PREFIX}index_vectors`,
      help: 'Vectors in each prefix index (prefix 0 labels the index over the original embeddings, when built)',
      labelNames: ['prefix', 'level'] as const,
      registers,
    }),
    adapterDuration: new Histogram({
      name: `${METRIC_PREFIX}adapter_inference_duration_seconds`,
      help: 'Adapter (ONNX) inference time of one request, as measured by the index service',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    annotateDuration: new Histogram({
      name: `${METRIC_PREFIX}annotate_duration_seconds`,
      help: 'Service time of one /v1/annotate request (adapter, searches at every level and votes)',
      buckets: LATENCY_BUCKETS,
      registers,
    }),
  };
}
