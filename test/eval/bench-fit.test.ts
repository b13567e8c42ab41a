import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitVerdict, renderBenchmarkTables, type BenchResults } from '../../bench/report-md.js';
import type { EngineBenchResult, SearchFigures } from '../../bench/engine-bench.js';

function figures(quantization: 'f32' | 'i8', prefixDim: number, serializedBytes: number): SearchFigures {
  return {
    engine: 'usearch', quantization, prefixDim, buildSeconds: 1, buildThreads: 1, serializedBytes, ef: 16, reachedTarget: true,
    recall: 0.96, singleQps: 1000, batchQps1Thread: 2000, batchQpsThreads: 3000, efCurve: [{ ef: 16, recall: 0.96 }],
  };
}

function engines(n: number, dims: number[], bpc: Record<'f32' | 'i8', number[]>): EngineBenchResult {
  const search = dims.flatMap((d, i) => (['f32', 'i8'] as const).map((q) => figures(q, d, bpc[q][i] * n)));
  return {
    n, numQueries: 10, k: 10, targetRecall: 0.95, params: { m: 16, efConstruction: 128 }, threads: 2,
    exact: [], search,
    totals: Object.fromEntries((['f32', 'i8'] as const).map((q) => [`usearch-${q}`, { prefixDims: [...dims], bytesPerCell: bpc[q].reduce((a, b) => a + b, 0), buildSeconds: dims.length, buildThreads: 1 }])),
  };
}

function results(): BenchResults {
  return {
    command: 'node dist/bench/run-benchmarks.js', date: '2026-01-01T00:00:00Z',
    machine: { cpu: 'test', cores: 2, memoryGiB: 23, node: 'v20', platform: 'linux x64', loadAverageAtStart: 0 },
    engines: [
      engines(1000, [32, 64, 96, 128], { f32: [300, 420, 550, 680], i8: [180, 210, 240, 280] }),
      // A larger size that covers only the widest prefix must not be taken for "all prefixes".
      engines(1_000_000, [128], { f32: [700], i8: [290] }),
    ],
    adapter: null,
    serving: {
      cells: 1000, adapter: 'identity', buildSeconds: 1, vectorsPerSecond: 1000,
      files: [{ name: 'prefix 1 (128 d)', bytes: 680_000 }, { name: 'labels', bytes: 16_000 }, { name: 'cellIds', bytes: 12_000 }, { name: 'vectors', bytes: 512_000 }],
      http: {
        workers: 2,
        search: { endpoint: '/v1/search', cellsPerRequest: 1, k: 10, connections: 8, requests: 100, errors: 0, seconds: 1, requestsPerSecond: 100, cellsPerSecond: 100, latencyP50Ms: 5, latencyP99Ms: 9, latencyMaxMs: 10 },
        annotate: { endpoint: '/v1/annotate', cellsPerRequest: 1000, k: 50, connections: 2, requests: 4, errors: 0, seconds: 2, requestsPerSecond: 2, cellsPerSecond: 2000, latencyP50Ms: 900, latencyP99Ms: 1100, latencyMaxMs: 1100 },
        healthzDuringAnnotate: { probes: 10, p50Ms: 2, p99Ms: 30, maxMs: 31 },
        healthzIdle: { probes: 10, p50Ms: 1, p99Ms: 2, maxMs: 2 },
      },
    },
    evaluation: null, fit: null, seconds: 1,
  };
}

test('fitVerdict: all-prefix bytes per cell × 7.9M plus labels and ids, against memory less headroom', () => {
  const fit = fitVerdict(results(), 7_900_000)!;
  assert.deepEqual(fit.rows.map((r) => r.quantization), ['f32', 'i8']);
  const f32 = fit.rows[0];
  assert.equal(f32.measuredAt, 1000, 'taken from the size with every prefix');
  assert.equal(f32.indexBytesPerCell, 1950);
  assert.equal(f32.otherBytesPerCell, 28);
  assert.ok(Math.abs(f32.totalGiB - (1978 * 7_900_000) / 2 ** 30) < 1e-9);
  assert.equal(f32.fits, true, "14.6 GiB ≤ 23 − 3 GiB");
  // Folder: + original index at the widest prefix (680) + stored vectors (512).
  assert.equal(f32.folderBytesPerCell, 1950 + 28 + 680 + 512);
  assert.equal(fit.rows[1].indexBytesPerCell, 910);
  assert.ok(fit.rows[1].totalGiB < f32.totalGiB);
});

test('fitVerdict decides by the arithmetic: a small machine does not fit', () => {
  const r = results();
  r.machine.memoryGiB = 16;
  const fit = fitVerdict(r, 7_900_000)!;
  // f32: 1978 B × 7.9M = 14.6 GiB > 13 GiB; i8: 938 B × 7.9M = 6.9 GiB fits.
  assert.equal(fit.rows[0].fits, false);
  assert.equal(fit.rows[1].fits, true);
});

test('renderBenchmarkTables lists every engine row, the HTTP table and the fit table', () => {
  const r = results();
  r.fit = fitVerdict(r, 7_900_000);
  const md = renderBenchmarkTables(r);
  assert.match(md, /#### 1,000 reference cells/);
  assert.match(md, /#### 1,000,000 reference cells/);
  assert.match(md, /\| POST \/v1\/annotate \| 1000 \| 50 \| 2 \| 4 \| 2\.00 \| 2,000 \| 900 \| 1100 \| 0 \|/);
  assert.match(md, /\| f32 \| 1,000 \| 1,950 \| 28\.0 \| 14\.6 \| yes \|/);
});
