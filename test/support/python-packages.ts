/**
 * Whether the Python-backed tests can run: which of Debian's packages `pythonPath()` has. Packages are looked
 * up with find_spec, not imported: ~20 ms instead of the ~0.4 s (anndata) to ~1 s (torch) an import costs in
 * every test file. A package that is installed but broken then fails its tests loudly instead of skipping.
 */
import { spawnSync } from 'node:child_process';
import { pythonPath } from '../../adapter/index.js';

/** `false` when `python` has every package, else the reason to skip (node:test `skip`) naming `install`. */
export function pythonPackagesMissing(packages: readonly string[], install: string, python: string = pythonPath()): string | false {
  const probe = `import importlib.util as u, sys; sys.exit(0 if all(u.find_spec(p) for p in ${JSON.stringify(packages)}) else 3)`;
  const r = spawnSync(python, ['-c', probe], { encoding: 'utf8' });
  return r.status === 0 ? false : `${packages.join(', ')} not installed for ${python} (apt-get install -y ${install})`;
}

/** `false` when torch and numpy are installed, else the reason a Python-backed test is skipped. */
export const TORCH_SKIP: string | false = pythonPackagesMissing(['torch', 'numpy'], 'python3-torch python3-numpy');

/** `false` when anndata, h5py and numpy are installed (tests that write real .h5ad files). */
export const ANNDATA_SKIP: string | false = pythonPackagesMissing(['anndata', 'h5py', 'numpy'], 'python3-anndata python3-h5py');
