// Minimal typings of autocannon's programmatic API (the package ships none); only what the benches use.
declare module 'autocannon' {
  export interface AutocannonOptions {
    url: string;
    method?: 'GET' | 'POST';
    headers?: Record<string, string>;
    body?: string | Buffer;
    connections?: number;
    duration?: number;
    amount?: number;
    timeout?: number;
    /** Requests per second over all connections (0: as fast as the server answers). */
    overallRate?: number;
    /** Requests in turn; `setupRequest` may rewrite each one before it is sent (e.g. a rotating body). */
    requests?: { method?: 'GET' | 'POST'; path?: string; headers?: Record<string, string>; body?: string | Buffer; setupRequest?: (req: { body?: string | Buffer }) => { body?: string | Buffer } }[];
  }
  export interface Histogram {
    average: number;
    mean: number;
    min: number;
    max: number;
    p50: number;
    p90: number;
    p99: number;
    [key: string]: number;
  }
  export interface AutocannonResult {
    duration: number;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    latency: Histogram;
    requests: Histogram & { sent: number };
    throughput: Histogram;
  }
  function autocannon(options: AutocannonOptions): Promise<AutocannonResult>;
  export default autocannon;
}
