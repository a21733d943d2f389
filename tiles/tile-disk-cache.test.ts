import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TileDiskCache } from './tile-disk-cache';

describe('tile disk cache', () => {
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'tile-disk-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('returns a stored tile by its key, across instances, and nothing for another key', async () => {
    const d = dir();
    const a = new TileDiskCache(d, 1 << 20);
    await a.put('"abc:buildings=3:15/1/2"', new Uint8Array([1, 2, 3]));
    await a.put('"abc:buildings=3:15/1/3"', new Uint8Array(0));
    const b = new TileDiskCache(d, 1 << 20);
    expect(await b.get('"abc:buildings=3:15/1/2"')).toEqual(new Uint8Array([1, 2, 3]));
    expect(await b.get('"abc:buildings=3:15/1/3"')).toEqual(new Uint8Array(0));
    expect(await b.has('"abc:buildings=3:15/1/3"')).toBe(true);
    // A new layer version is a new key: the old file is never read for it.
    expect(await b.get('"abc:buildings=4:15/1/2"')).toBeUndefined();
  });

  it('removes the oldest files beyond its size, and half-written files', async () => {
    const d = dir();
    const cache = new TileDiskCache(d, 10_000);
    for (let i = 0; i < 10; i++) {
      await cache.put(`k${i}`, new Uint8Array(3000));
      await new Promise((r) => setTimeout(r, 5));
    }
    await cache.prune();
    const files = readdirSync(d).flatMap((sub) => readdirSync(join(d, sub)));
    expect(files.length).toBeLessThanOrEqual(3);
    expect(await cache.get('k9')).toBeDefined();
    expect(await cache.get('k0')).toBeUndefined();
  });
});
