/**
 * Calibration of the demo atlas (README "Demo atlas"): generates cells in memory, takes a stratified sample
 * (round-robin by subtype, as `stratify` orders an atlas) and prints cosine k-NN leave-one-out accuracy and
 * macro-F1 per level for
 *   raw     — the embeddings as written to the atlas;
 *   oracle  — the same cells with the known nuisance subspace projected out (the removable confusion);
 *   centroid — nearest class mean (means from the non-sample cells, nuisance projected out): a rough
 *              stand-in for what a supervised model can reach, bounded by label noise and mixed cells.
 * and the generation speed (cells/s, no file I/O).
 *
 *   node dist/bench/measure-demo-atlas.js [--cells 100000] [--seed 1] [--sample 5000] [--k 5]
 *        [--types data/demo-cell-types.tsv] [--params '{"noiseScale":1.2}'] [--speed-cells 1000000]
 *        [--export DIR]
 *
 * --export writes the generated cells for bench/demo-atlas-mlp-check.py (a supervised nonlinear model trained
 * on the other cells, scored the same way): x.f32 (cells × 128 float32), y.i32 (cells × 4 level codes),
 * sample.i32 (the stratified sample's row numbers), all little-endian raw arrays.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectPath, LEVEL_COLUMNS } from '../common/index.js';
// Direct module imports (not the folder indexes): calibration needs only the pure generator and scorer,
// not the Parquet stack.
import { loadCellTypeTable } from '../atlas/demo/cell-types.js';
import { createDemoGenerator } from '../atlas/demo/generate.js';
import { createDemoModel, type DemoModel } from '../atlas/demo/model.js';
import { sampleRoundRobin } from '../atlas/demo/sample.js';
import { evaluateKnnAccuracy } from '../eval/knn-accuracy.js';

function generateAll(model: DemoModel, cells: number) {
  const gen = createDemoGenerator(model);
  const dim = model.dim;
  const embeddings = new Float32Array(cells * dim);
  const labels = LEVEL_COLUMNS.map(() => new Int32Array(cells));
  const subtype = new Int32Array(cells);
  const chunk = 65536;
  for (let start = 0; start < cells; start += chunk) {
    const { batch, truth } = gen.next(Math.min(chunk, cells - start));
    embeddings.set(batch.embeddings, start * dim);
    LEVEL_COLUMNS.forEach((col, l) => labels[l].set(batch.levels[col].codes, start));
    subtype.set(truth.subtype, start);
  }
  return { embeddings, labels, subtype };
}

function projectOut(x: Float32Array, dim: number, basis: Float32Array, rank: number): Float32Array {
  const out = Float32Array.from(x);
  for (let o = 0; o < out.length; o += dim) {
    for (let r = 0; r < rank; r++) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += out[o + d] * basis[r * dim + d];
      for (let d = 0; d < dim; d++) out[o + d] -= dot * basis[r * dim + d];
    }
  }
  return out;
}

function take(x: Float32Array, dim: number, idx: Int32Array): Float32Array {
  const out = new Float32Array(idx.length * dim);
  idx.forEach((i, j) => out.set(x.subarray(i * dim, (i + 1) * dim), j * dim));
  return out;
}

function unit(v: Float32Array, o: number, dim: number): number {
  let ss = 0;
  for (let d = 0; d < dim; d++) ss += v[o + d] * v[o + d];
  return ss > 0 ? 1 / Math.sqrt(ss) : 0;
}

/** Nearest-centroid (cosine) subtype prediction for the sample, centroids from all other cells. */
function centroidAccuracy(x: Float32Array, dim: number, labels: Int32Array[], sample: Int32Array, model: DemoModel): number[] {
  const S = model.types.length;
  const inSample = new Uint8Array(labels[0].length);
  sample.forEach((i) => (inSample[i] = 1));
  const sums = new Float64Array(S * dim);
  const sub = labels[3];
  // Subtype codes index the sorted dictionary; map them back to table rows to read the other levels.
  const rowOfCode = new Int32Array(S);
  model.subtypeCodes.level4_subtype.forEach((code, row) => (rowOfCode[code] = row));
  for (let i = 0; i < sub.length; i++) {
    if (inSample[i]) continue;
    const inv = unit(x, i * dim, dim);
    for (let d = 0; d < dim; d++) sums[sub[i] * dim + d] += x[i * dim + d] * inv;
  }
  const correct = [0, 0, 0, 0];
  for (const i of sample) {
    let best = -Infinity;
    let arg = 0;
    for (let c = 0; c < S; c++) {
      let dot = 0;
      let ss = 0;
      for (let d = 0; d < dim; d++) {
        dot += sums[c * dim + d] * x[i * dim + d];
        ss += sums[c * dim + d] * sums[c * dim + d];
      }
      const s = ss > 0 ? dot / Math.sqrt(ss) : -Infinity;
      if (s > best) {
        best = s;
        arg = c;
      }
    }
    LEVEL_COLUMNS.forEach((col, l) => {
      if (model.subtypeCodes[col][rowOfCode[arg]] === labels[l][i]) correct[l]++;
    });
  }
  return correct.map((c) => c / sample.length);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      cells: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      sample: { type: 'string', default: '5000' },
      k: { type: 'string', default: '5' },
      types: { type: 'string', default: projectPath('data', 'demo-cell-types.tsv') },
      params: { type: 'string', default: '{}' },
      'speed-cells': { type: 'string', default: '0' },
      export: { type: 'string' },
    },
  });
  const cells = Number(values.cells);
  const k = Number(values.k);
  const types = await loadCellTypeTable(values.types!);
  const model = createDemoModel(types, Number(values.seed), JSON.parse(values.params!));
  const dim = model.dim;
  const t0 = performance.now();
  const all = generateAll(model, cells);
  const genS = (performance.now() - t0) / 1000;
  const sample = sampleRoundRobin(all.labels[3], Number(values.sample));
  const labels = all.labels.map((l) => Int32Array.from(sample, (i) => l[i]));
  const names = LEVEL_COLUMNS.map((c) => c.replace(/^level\d_/, ''));
  const fmt = (xs: number[]) => xs.map((v) => v.toFixed(3)).join(' / ');
  const report = (name: string, x: Float32Array) => {
    const r = evaluateKnnAccuracy({ embeddings: x, dim, levels: labels, levelNames: names, k });
    console.log(`${name.padEnd(9)} acc ${fmt(r.levels.map((l) => l.accuracy))}   macro-F1 ${fmt(r.levels.map((l) => l.macroF1))}`);
  };
  console.log(`demo atlas: ${types.length} subtypes, ${cells} cells (${(cells / genS).toFixed(0)} cells/s in memory), seed ${model.seed}`);
  console.log(`${k}-NN leave-one-out on ${sample.length} stratified cells, ${names.join(' / ')}`);
  report('raw', take(all.embeddings, dim, sample));
  const clean = projectOut(take(all.embeddings, dim, sample), dim, model.nuisanceBasis, model.params.nuisanceRank);
  report('oracle', clean);
  const cleanAll = projectOut(all.embeddings, dim, model.nuisanceBasis, model.params.nuisanceRank);
  console.log(`centroid  acc ${fmt(centroidAccuracy(cleanAll, dim, all.labels, sample, model))}`);
  if (values.export) {
    mkdirSync(values.export, { recursive: true });
    const y = new Int32Array(cells * 4);
    all.labels.forEach((codes, l) => codes.forEach((v, i) => (y[i * 4 + l] = v)));
    writeFileSync(join(values.export, 'x.f32'), Buffer.from(all.embeddings.buffer));
    writeFileSync(join(values.export, 'y.i32'), Buffer.from(y.buffer));
    writeFileSync(join(values.export, 'sample.i32'), Buffer.from(sample.buffer));
    console.log(`exported to ${values.export}: run /usr/bin/python3 bench/demo-atlas-mlp-check.py ${values.export}`);
  }
  const speedCells = Number(values['speed-cells']);
  if (speedCells > 0) {
    const gen = createDemoGenerator(model);
    const t1 = performance.now();
    for (let done = 0; done < speedCells; done += 65536) gen.next(Math.min(65536, speedCells - done));
    const s = (performance.now() - t1) / 1000;
    console.log(`generation: ${speedCells} cells in ${s.toFixed(2)} s (${(speedCells / s).toFixed(0)} cells/s, no file I/O)`);
  }
}

await main();
