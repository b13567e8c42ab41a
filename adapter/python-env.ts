/**
 * Finds the Python that runs training and export (Debian's, with PyTorch) and runs the scripts of
 * adapter/python/, streaming their output.
 */
import { spawn, spawnSync } from 'node:child_process';
import { AtlasError, projectPath } from '../common/index.js';

/** Debian's interpreter: `python3` on PATH may be another one, without torch. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** The interpreter to use: $FRACTAL_ATLAS_PYTHON, else Debian's /usr/bin/python3. */
export function pythonPath(env: NodeJS.ProcessEnv = process.env): string {
  const p = env.FRACTAL_ATLAS_PYTHON;
  return p !== undefined && p.trim() !== '' ? p : DEFAULT_PYTHON;
}

/** Absolute path of a script in adapter/python/. */
export function adapterScript(name: string): string {
  return projectPath('adapter', 'python', name);
}

// Looks the packages up without importing them: `import torch` costs ~1 s of CPU, and a process that trains or
// exports several times would pay it each time. A torch that is installed but broken fails in the script,
// whose stderr runPythonScript reports.
const PROBE = [
  'import importlib.util as u, importlib.metadata as m, sys',
  'missing = [p for p in ("numpy", "torch") if u.find_spec(p) is None]',
  'if missing: sys.exit("No module named " + ", ".join(missing))',
  'try: print(m.version("torch"))',
  'except m.PackageNotFoundError: print("unknown version")',
].join('\n');

const probes = new Map<string, ReturnType<typeof runProbe>>();

function runProbe(python: string): { ok: true; torch: string } | { ok: false; reason: string } {
  const r = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', timeout: 120_000 });
  if (r.error) return { ok: false, reason: `cannot run ${python} (${(r.error as NodeJS.ErrnoException).code ?? r.error.message})` };
  if (r.status !== 0) {
    const last = r.stderr.trim().split('\n').pop() ?? '';
    return { ok: false, reason: `${python} cannot import torch and numpy (${last})` };
  }
  return { ok: true, torch: r.stdout.trim() };
}

/** Whether `python` has torch and numpy installed (asked once per interpreter and process); `reason` says why not. */
export function probeTorch(python: string = pythonPath()): { ok: true; torch: string } | { ok: false; reason: string } {
  let p = probes.get(python);
  if (p === undefined) probes.set(python, (p = runProbe(python)));
  return p;
}

/** Throws a readable AtlasError when PyTorch is not usable. */
export function requireTorch(python: string = pythonPath()): string {
  const p = probeTorch(python);
  if (!p.ok) {
    throw new AtlasError('training_failed', `${p.reason}; install Debian's PyTorch (apt-get install -y python3-torch python3-numpy) or set FRACTAL_ATLAS_PYTHON to a Python that has it`);
  }
  return p.torch;
}

export interface RunPythonOptions {
  readonly python?: string;
  /** Receives each stdout line (default: written to process.stdout). */
  readonly onLine?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs `adapter/python/<script>` with args, streaming stdout line by line. A non-zero exit throws
 * AtlasError('training_failed') with the script's last stderr lines.
 */
export function runPythonScript(script: string, args: readonly string[], options: RunPythonOptions = {}): Promise<void> {
  const python = options.python ?? pythonPath();
  const onLine = options.onLine ?? ((l: string) => process.stdout.write(`${l}\n`));
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-W', 'ignore', adapterScript(script), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { OMP_WAIT_POLICY: 'PASSIVE', ...process.env, ...options.env, PYTHONUNBUFFERED: '1' },
    });
    let pending = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) onLine(l);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000);
    });
    child.on('error', (err) => reject(new AtlasError('training_failed', `cannot run ${python}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (pending) onLine(pending);
      if (code === 0) return resolve();
      const tail = stderr.trim().split('\n').filter((l) => l.trim() !== '').slice(-3).join(' | ');
      reject(new AtlasError('training_failed', `${script} failed (${signal ?? `exit code ${code}`})${tail ? `: ${tail}` : ''}`));
    });
  });
}
