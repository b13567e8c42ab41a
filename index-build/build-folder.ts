/** The build's temp folder next to the target: publishing it atomically and cleaning up after killed builds. */
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Removes temp folders of earlier builds of the same target whose process is gone (killed builds). */
export async function removeStaleTemps(outDir: string): Promise<void> {
  const prefix = `.${basename(outDir)}.build-`;
  let names: string[];
  try {
    names = await readdir(dirname(outDir));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isSafeInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    await rm(join(dirname(outDir), name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Renames the finished folder into place; an existing target is moved aside first and removed after. */
export async function publish(tmp: string, outDir: string): Promise<void> {
  let old: string | null = null;
  if (await exists(outDir)) {
    old = `${tmp}.old`;
    await rename(outDir, old);
  }
  await rename(tmp, outDir);
  if (old) await rm(old, { recursive: true, force: true });
}

