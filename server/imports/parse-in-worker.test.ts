import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bootedParseWorkers,
  closeParseWorkers,
  heapFor,
  parseInWorker,
  parseWorkersReady,
  STREAMED_HEAP_MB,
  warmParseWorkers,
  WORKER_HEAP_MB,
} from './parse-in-worker';
import { DEFAULT_LIMITS } from './source';

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

describe('booted parse workers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'twin-boot-'));
  afterAll(async () => {
    await closeParseWorkers();
    rmSync(dir, { recursive: true, force: true });
  });
  const file = join(dir, 'b.geojson');
  writeFileSync(
    file,
    JSON.stringify({
      type: 'FeatureCollection',
      features: [0, 1, 2].map((i) => ({
        type: 'Feature',
        properties: { height: 10 + i },
        geometry: { type: 'Point', coordinates: [5 + i * 0.001, 52] },
      })),
    }),
  );
  const parse = (n: number) =>
    parseInWorker(
      {
        path: file,
        name: 'b.geojson',
        target: 'sensors',
        mapping: [],
        limits: DEFAULT_LIMITS,
        tmpDir: dir,
        spoolPath: join(dir, `spool-${n}.copy`),
      },
      0,
    );

  it('take their job after booting, one each, and the next is booted once a parse is over', async () => {
    warmParseWorkers();
    await parseWorkersReady();
    expect(bootedParseWorkers()).toBe(1);
    const parsing = parse(1);
    expect(bootedParseWorkers()).toBe(0); // taken
    expect(await parsing).toMatchObject({ format: 'geojson', features: 3, rejected: 0 });
    await new Promise((r) => setImmediate(r));
    expect(bootedParseWorkers()).toBe(1); // the next one, booting
    // Each parse gets a worker of its own, booted or new: two at once both finish.
    const [a, b] = await Promise.all([parse(2), parse(3)]);
    expect([a.features, b.features]).toEqual([3, 3]);
    expect(readFileSync(join(dir, 'spool-2.copy'), 'utf8')).toBe(
      readFileSync(join(dir, 'spool-1.copy'), 'utf8'),
    );
    await parseWorkersReady();
    // Stopped: the next parse boots its own.
    await closeParseWorkers();
    expect(bootedParseWorkers()).toBe(0);
    expect((await parse(4)).features).toBe(3);
  });
});
