import { describe, expect, it } from 'vitest';
import { TileCache } from './tile-cache';

const bytes = (n: number) => new Uint8Array(n);

describe('tile cache', () => {
  it('evicts the least recently used entries to stay within its byte budget', () => {
    const cache = new TileCache(100);
    cache.set('a', bytes(40));
    cache.set('b', bytes(40));
    cache.get('a'); // a is now more recent than b
    cache.set('c', bytes(40));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.bytes).toBe(80);
  });

  it('does not keep an entry larger than the whole budget', () => {
    const cache = new TileCache(10);
    cache.set('big', bytes(11));
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
  });

  it('keeps nothing when the budget is zero (cache off) but still shares builds', async () => {
    const cache = new TileCache(0);
    let builds = 0;
    const build = async () => {
      builds++;
      await new Promise((r) => setTimeout(r, 10));
      return bytes(5);
    };
    await Promise.all([cache.getOrBuild('k', build), cache.getOrBuild('k', build)]);
    expect(builds).toBe(1);
    await cache.getOrBuild('k', build);
    expect(builds).toBe(2);
  });

  it('shares one computation between concurrent requests for the same tile', async () => {
    const cache = new TileCache(1000);
    let builds = 0;
    const build = async () => {
      builds++;
      await new Promise((r) => setTimeout(r, 10));
      return bytes(3);
    };
    const results = await Promise.all(
      Array.from({ length: 20 }, () => cache.getOrBuild('t', build)),
    );
    expect(builds).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(cache.misses).toBe(1);
    expect(cache.hits).toBe(19);
  });

  it('does not cache a failed build, so the next request retries', async () => {
    const cache = new TileCache(1000);
    await expect(cache.getOrBuild('t', () => Promise.reject(new Error('db down')))).rejects.toThrow(
      'db down',
    );
    await expect(cache.getOrBuild('t', async () => bytes(2))).resolves.toHaveLength(2);
  });
});
