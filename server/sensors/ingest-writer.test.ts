import { describe, expect, it } from 'vitest';
import { chunkPayloads } from './ingest-writer';

describe('NOTIFY payload chunks', () => {
  it('splits readings into JSON arrays that each stay under the 8000-byte NOTIFY limit, losing none', () => {
    const items = Array.from({ length: 2000 }, (_, i) => [100000 + i, 1796000000000 + i, i / 7] as [number, number, number]);
    const chunks = chunkPayloads(items);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) expect(Buffer.byteLength(c)).toBeLessThan(8000);
    expect(chunks.flatMap((c) => JSON.parse(c) as unknown[])).toEqual(items);
  });

  it('sends nothing for no readings', () => {
    expect(chunkPayloads([])).toEqual([]);
  });
});
