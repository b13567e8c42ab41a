/** The Python twin of the ONNX contract (adapter/python/onnx_contract.py) says what the TypeScript side says. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { CONTRACT_VERSION, INPUT_NAME, META, OUTPUT_BLOCKS, OUTPUT_FULL, adapterScript, pythonPath } from '../../adapter/index.js';
import { LEVEL_COLUMNS } from '../../common/index.js';

const python = pythonPath();
const SKIP = existsSync(python) ? false : `no Python at ${python}`;
if (SKIP) console.log(`# skipping contract parity: ${SKIP}`);

test('onnx_contract.py: level columns, names and metadata keys equal the TypeScript contract', { skip: SKIP }, () => {
  const code = [
    'import json, onnx_contract as C',
    'print(json.dumps({"levels": C.LEVEL_COLUMNS, "version": C.CONTRACT_VERSION, "input": C.INPUT_NAME,',
    '  "blocks": C.OUTPUT_BLOCKS, "full": C.OUTPUT_FULL,',
    '  "meta": {k: getattr(C, k) for k in dir(C) if k.startswith("META_")}}))',
  ].join('\n');
  const r = spawnSync(python, ['-c', code], { cwd: dirname(adapterScript('onnx_contract.py')), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const py = JSON.parse(r.stdout);
  assert.deepEqual(py.levels, [...LEVEL_COLUMNS]);
  assert.deepEqual([py.version, py.input, py.blocks, py.full], [CONTRACT_VERSION, INPUT_NAME, OUTPUT_BLOCKS, OUTPUT_FULL]);
  assert.deepEqual(Object.values(py.meta).sort(), Object.values(META).sort());
});
