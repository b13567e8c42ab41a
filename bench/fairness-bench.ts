/**
 * `node dist/bench/fairness-bench.js --index DIR --adapter FILE --atlas ATLAS.parquet [--cells 10000] [--json OUT]`:
 * {@link runFairnessBench} on a built index, printed as JSON (npm run bench runs it on its serving index).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runFairnessBench } from './fairness.js';

const { values } = parseArgs({
  options: { index: { type: 'string' }, adapter: { type: 'string' }, atlas: { type: 'string' }, cells: { type: 'string', default: '10000' }, json: { type: 'string' } },
});
if (!values.index || !values.adapter || !values.atlas) {
  process.stderr.write('usage: node dist/bench/fairness-bench.js --index DIR --adapter FILE --atlas ATLAS.parquet [--cells 10000] [--json OUT]\n');
  process.exit(2);
}
const result = await runFairnessBench(values.index, values.adapter, values.atlas, Number(values.cells));
process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
if (values.json) writeFileSync(values.json, JSON.stringify(result, null, 1));
