/**
 * `import` throughput (rows/s) on an anndata-written `.h5ad`: obsm X_scimilarity float32 n × D, a categorical
 * cell_type over 8 CL names, the obs index cell0…; written by bench/make_h5ad.py with Debian's anndata.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/import-throughput.js [--cells 1000000] [--dim 128] \
 *     [--dir /tmp/import-bench] [--keep-file]
 *
 * Not part of `npm test` or `npm run bench` (writing the 1M-cell file alone takes ~1 min and 0.6 GB).
 * Prints the writer's time, the import's summary, rows/s, CPU seconds (wall time depends on what else runs on
 * the machine) and the peak RSS of this process.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSummary, importAtlas } from '../atlas/index.js';
import { SHARED_OBO_PATH, projectPath } from '../common/index.js';

const { values } = parseArgs({ options: { cells: { type: 'string' }, dim: { type: 'string' }, dir: { type: 'string' }, 'keep-file': { type: 'boolean' } } });
const cells = Number(values.cells ?? 1_000_000);
const dim = Number(values.dim ?? 128);
const dir = values.dir ?? '/tmp/import-bench';
mkdirSync(dir, { recursive: true });
const input = join(dir, `cells-${cells}x${dim}.h5ad`);
const out = join(dir, 'atlas.parquet');

if (!existsSync(input)) {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/python3', [projectPath('bench', 'make_h5ad.py'), '--cells', String(cells), '--dim', String(dim), '--out', input], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('make_h5ad.py failed (needs Debian python3-anndata)');
  console.log(`anndata wrote ${input} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`input ${input}: ${(statSync(input).size / 1e6).toFixed(0)} MB`);
const cpu0 = process.cpuUsage();
const result = await importAtlas({ input, out, matrix: { obsm: 'X_scimilarity' }, labels: { labelColumn: 'cell_type' }, obo: SHARED_OBO_PATH, progress: true });
const cpu = process.cpuUsage(cpu0);
console.log(formatSummary(result.summary, result.seconds).trimEnd());
console.log(`import: ${cells.toLocaleString('en-US')} × ${dim} in ${result.seconds.toFixed(1)} s = ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s (CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s, of which the wasm Parquet writer's worker threads count too); atlas ${(statSync(out).size / 1e6).toFixed(0)} MB; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
rmSync(out, { force: true });
if (!values['keep-file']) rmSync(input, { force: true });
