/**
 * Ingest and stratify throughput (rows/s) on a synthetic SCimilarity-like folder.
 *
 *   npx tsc -p tsconfig.json --outDir dist-bench && node dist-bench/bench/atlas-throughput.js \
 *     [--rows 200000] [--dim 128] [--dir /tmp/atlas-bench] [--order local|random]
 *
 * The folder holds an hnswlib-format index written directly (header + level-0 records; links are left
 * empty because ingest never reads them — hnswlib-node's readIndexSync loads such a file), labels added
 * in locally shuffled order (windows of 64, like a multi-threaded `add_items`; `--order random` shuffles
 * globally, the worst case for the label-ordered read), reference_labels.tsv drawn with a skew over the
 * demo cell-type names, and label_ints.csv. Labels resolve through the shared Cell Ontology.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ingestScimilarity, stratifyAtlas, formatSummary } from '../atlas/index.js';
import { createRng } from '../common/index.js';
import { SHARED_OBO_PATH, projectPath } from '../common/index.js';

const { values } = parseArgs({ options: { rows: { type: 'string' }, dim: { type: 'string' }, dir: { type: 'string' }, order: { type: 'string' } } });
const N = Number(values.rows ?? 200_000);
const D = Number(values.dim ?? 128);
const dir = values.dir ?? '/tmp/atlas-bench';
const order = values.order === 'random' ? 'random' : 'local';

const rng = (seed: number): (() => number) => createRng(seed).uniform;

function writeSyntheticFolder(): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'annotation'), { recursive: true });
  const names = readFileSync(projectPath('data', 'demo-cell-type-names.txt'), 'utf8').split('\n').filter(Boolean);
  const rnd = rng(12345);
  const M = 16;
  const M0 = 32;
  const offsetData = M0 * 4 + 4;
  const labelOffset = offsetData + D * 4;
  const stride = labelOffset + 8;
  const h = Buffer.alloc(96);
  [0, N, N, stride, labelOffset, offsetData].forEach((v, i) => h.writeBigUInt64LE(BigInt(v), i * 8));
  h.writeInt32LE(0, 48);
  h.writeUInt32LE(0, 52);
  h.writeBigUInt64LE(BigInt(M), 56);
  h.writeBigUInt64LE(BigInt(M0), 64);
  h.writeBigUInt64LE(BigInt(M), 72);
  h.writeDoubleLE(1 / Math.log(M), 80);
  h.writeBigUInt64LE(200n, 88);
  const perm = Int32Array.from({ length: N }, (_, i) => i);
  const win = order === 'random' ? N : 64;
  for (let a = 0; a < N; a += win) {
    const b = Math.min(N, a + win);
    for (let i = b - 1; i > a; i--) {
      const j = a + Math.floor(rnd() * (i - a + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
  }
  const fd = openSync(join(dir, 'annotation', 'labelled_kNN.bin'), 'w');
  writeSync(fd, h);
  const chunk = 4096;
  const buf = Buffer.alloc(chunk * stride);
  const v = new Float32Array(D);
  for (let a = 0; a < N; a += chunk) {
    const m = Math.min(chunk, N - a);
    buf.fill(0);
    for (let j = 0; j < m; j++) {
      const label = perm[a + j]!;
      let norm = 0;
      for (let d = 0; d < D; d++) {
        v[d] = rnd() * 2 - 1 + (label % 7) * 0.1;
        norm += v[d]! * v[d]!;
      }
      norm = Math.sqrt(norm);
      for (let d = 0; d < D; d++) buf.writeFloatLE(v[d]! / norm, j * stride + offsetData + d * 4);
      buf.writeBigUInt64LE(BigInt(label), j * stride + labelOffset);
    }
    writeSync(fd, buf, 0, m * stride);
  }
  writeSync(fd, Buffer.alloc(4 * N)); // upper-level link-list sizes: none
  closeSync(fd);
  const labels = Array.from({ length: N }, () => names[Math.floor(names.length * rnd() ** 2)]!);
  writeFileSync(join(dir, 'annotation', 'reference_labels.tsv'), labels.join('\n'));
  writeFileSync(join(dir, 'label_ints.csv'), `,0\n${names.map((n, i) => `${i},${n.includes(',') ? `"${n}"` : n}`).join('\n')}\n`);
}

writeSyntheticFolder();
const atlas = join(dir, 'atlas.parquet');
const strat = join(dir, 'atlas-stratified.parquet');
const ingest = await ingestScimilarity({ scimilarityDir: dir, obo: SHARED_OBO_PATH, out: atlas });
process.stdout.write(`ingest (${N} × ${D}, ${order} label order)\n${formatSummary(ingest.summary, ingest.seconds)}\n`);
const st = await stratifyAtlas({ input: atlas, out: strat, seed: 1 });
process.stdout.write(`stratify\n${formatSummary(st.summary, st.seconds)}`);
process.stdout.write(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB\n`);
