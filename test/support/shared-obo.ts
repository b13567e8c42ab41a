/**
 * The real Cell Ontology the tests read (../shared/data/cl-basic.obo, CL 2022-12-15; never copied into the
 * repository). Where a checkout has no ../shared, the tests that need it skip with this reason.
 */
import { existsSync, readFileSync } from 'node:fs';
import { test as nodeTest, type TestContext } from 'node:test';
import { SHARED_OBO_PATH } from '../../common/index.js';

/** `false` when the shared cl-basic.obo is there, else why the tests that read it are skipped. */
export const OBO_SKIP: string | false = existsSync(SHARED_OBO_PATH) ? false : `${SHARED_OBO_PATH} not found (the CL release the tests read; CI's checkout has ../shared/data)`;
if (OBO_SKIP) console.log(`# skipping the tests that read the Cell Ontology: ${OBO_SKIP}`);

/** The shared cl-basic.obo's text (read it only when OBO_SKIP is false). */
export function readSharedObo(): string {
  return readFileSync(SHARED_OBO_PATH, 'utf8');
}

/** node:test's `test` for a file whose every test reads the ontology: skipped, with the reason, without it. */
export function oboTest(name: string, fn: (t: TestContext) => void | Promise<void>): void {
  nodeTest(name, { skip: OBO_SKIP }, fn);
}
