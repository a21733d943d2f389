import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Built tiles (gzip, as served) kept on disk under `dir`, keyed by the tile's ETag — which holds
 * the database's instance id, the layers' versions and z/x/y — so a restarted embedded twin
 * serves the tiles it built before without asking its single-threaded database again, and a
 * changed layer (a new version) never finds an old file. Files of old versions are never read
 * again; the oldest files go when the directory passes `maxBytes` (checked at start and every
 * `maxBytes / 8` written).
 */
export class TileDiskCache {
  readonly #dir: string;
  readonly #maxBytes: number;
  #writtenSincePrune = 0;
  #pruning: Promise<void> | null = null;
  hits = 0;
  writes = 0;

  constructor(dir: string, maxBytes: number) {
    this.#dir = dir;
    this.#maxBytes = maxBytes;
    mkdirSync(dir, { recursive: true });
  }

  #path(key: string): string {
    const h = createHash('sha1').update(key).digest('hex');
    return join(this.#dir, h.slice(0, 2), h.slice(2));
  }

  /** The stored tile, or undefined (absent or unreadable: it is then simply built again). */
  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const body = await readFile(this.#path(key));
      this.hits++;
      return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
    } catch {
      return undefined;
    }
  }

  async has(key: string): Promise<boolean> {
    return stat(this.#path(key)).then(
      () => true,
      () => false,
    );
  }

  /** Stores a tile: written aside and renamed, so a reader never sees half a file. */
  async put(key: string, body: Uint8Array): Promise<void> {
    const path = this.#path(key);
    const partial = `${path}.${randomBytes(4).toString('hex')}.partial`;
    try {
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(partial, body);
      await rename(partial, path);
      this.writes++;
    } catch {
      await rm(partial, { force: true });
      return;
    }
    this.#writtenSincePrune += body.byteLength;
    if (this.#writtenSincePrune > this.#maxBytes / 8) void this.prune();
  }

  /** Deletes the least recently written files until the directory fits in `maxBytes`. */
  prune(): Promise<void> {
    this.#pruning ??= this.#prune().finally(() => {
      this.#pruning = null;
    });
    return this.#pruning;
  }

  async #prune(): Promise<void> {
    this.#writtenSincePrune = 0;
    const files: { path: string; size: number; mtime: number }[] = [];
    for (const sub of await readdir(this.#dir).catch(() => [] as string[])) {
      const d = join(this.#dir, sub);
      for (const name of await readdir(d).catch(() => [] as string[])) {
        const path = join(d, name);
        if (name.endsWith('.partial')) {
          await rm(path, { force: true });
          continue;
        }
        const s = await stat(path).catch(() => undefined);
        if (s) files.push({ path, size: s.size, mtime: s.mtimeMs });
      }
    }
    let total = files.reduce((n, f) => n + f.size, 0);
    if (total <= this.#maxBytes) return;
    files.sort((a, b) => a.mtime - b.mtime);
    for (const f of files) {
      if (total <= this.#maxBytes) break;
      await rm(f.path, { force: true });
      total -= f.size;
    }
  }
}
