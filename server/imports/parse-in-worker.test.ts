import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { heapFor, STREAMED_HEAP_MB, WORKER_HEAP_MB } from './parse-in-worker';

describe('the parse worker heap cap', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twin-heap-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is small for formats read feature by feature and large for the rest', () => {
    const geojson = join(dir, 'a.geojson');
    writeFileSync(geojson, '{"type":"FeatureCollection","features":[]}');
    expect(heapFor({ path: geojson, name: 'a.geojson' })).toBe(STREAMED_HEAP_MB);
    expect(heapFor({ path: geojson, name: 'a.geojson', format: 'csv' })).toBe(STREAMED_HEAP_MB);
    expect(heapFor({ path: geojson, name: 'a.gpkg', format: 'geopackage' })).toBe(WORKER_HEAP_MB);
    expect(heapFor({ path: geojson, name: 'a.json', format: 'cityjson' })).toBe(WORKER_HEAP_MB);
    // Unreadable: the default; the worker reports the error.
    expect(heapFor({ path: join(dir, 'missing.geojson'), name: 'missing.geojson' })).toBe(
      WORKER_HEAP_MB,
    );
    expect(STREAMED_HEAP_MB).toBeLessThan(WORKER_HEAP_MB);
  });
});
