import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Scratch directories of imports, previews, uploads and exports (issue #10). Each carries the
 * id of the process that made it — `twin-import-<pid>-XXXXXX` — so a start can sweep the ones
 * left by a process that died mid-job, without touching those of a live server or CLI import
 * on the same machine. Finished and failed jobs remove their own.
 */
export type TempKind = 'import' | 'upload' | 'preview' | 'export';

const OWNED = /^twin-(import|upload|preview|export)-(\d+)-[A-Za-z0-9]{6}$/;

/** A new private directory for `kind` under the system's temporary directory. */
export function makeTempDir(kind: TempKind, root = tmpdir()): Promise<string> {
  return mkdtemp(join(root, `twin-${kind}-${process.pid}-`));
}

/** True when `name` is a directory `makeTempDir` made (for removing uploads safely). */
export function isTempDirName(name: string, kind?: TempKind): boolean {
  const m = OWNED.exec(name);
  return m !== null && (kind === undefined || m[1] === kind);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the scratch directories of processes that no longer run; returns how many. */
export async function sweepTempDirs(root = tmpdir()): Promise<number> {
  let removed = 0;
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const m = OWNED.exec(name);
    if (!m || alive(Number(m[2]))) continue;
    await rm(join(root, name), { recursive: true, force: true }).then(
      () => removed++,
      () => undefined,
    );
  }
  return removed;
}
