/** Whether the Python-backed tests can run: Debian's PyTorch and NumPy are installed for `pythonPath()`. */
import { spawnSync } from 'node:child_process';
import { pythonPath } from '../../adapter/index.js';

// find_spec looks the packages up without importing them: ~20 ms instead of the ~1 s that `import torch` takes
// in every test file. A torch that is installed but broken then fails its tests loudly instead of skipping.
const PROBE = 'import importlib.util as u, sys; sys.exit(0 if u.find_spec("torch") and u.find_spec("numpy") else 3)';

/** `false` when torch and numpy are installed, else the reason a Python-backed test is skipped (node:test `skip`). */
export const TORCH_SKIP: string | false = (() => {
  const py = pythonPath();
  const r = spawnSync(py, ['-c', PROBE], { encoding: 'utf8' });
  return r.status === 0 ? false : `PyTorch is not installed for ${py} (apt-get install -y python3-torch python3-numpy)`;
})();
