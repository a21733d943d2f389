import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import { gisRequest, removeScratch, runImport, scratchDir, writeFile } from './support';

/** A small square footprint near the demo centre, `i` footprints east. */
const square = (i: number) => {
  const x = 5.13 + i * 0.0005;
  const y = 52.1;
  const d = 0.0002;
  return {
    type: 'Polygon',
    coordinates: [
      [
        [x, y],
        [x + d, y],
        [x + d, y + d],
        [x, y + d],
        [x, y],
      ],
    ],
  };
};

describe.each(BACKENDS)('categorical value mapping of building uses on %s (issue #12)', (kind) => {
  let twin: TestTwin;
  let file = '';
  beforeAll(async () => {
    twin = await createTestTwin(kind, { TWIN_DEMO: 'off' });
    const tags = [
      { building: 'commercial' },
      { building: 'yes' },
      { building: 'bunker' },
      { building: 'bunker' },
      { building: 'house', 'building:use': 'retail' },
      { building: 'greenhouse' },
    ];
    file = writeFile(
      scratchDir(),
      'uses.geojson',
      JSON.stringify({
        type: 'FeatureCollection',
        features: tags.map((properties, i) => ({
          type: 'Feature',
          id: `b${i}`,
          properties,
          geometry: square(i),
        })),
      }),
    );
  });
  afterAll(async () => {
    await twin?.dispose();
    removeScratch();
  });

  it('maps OSM building=* and building:use to the twin uses and lists unknown values in the report', async () => {
    const job = await runImport(twin, file, { layer: 'buildings' });
    expect(job.error).toBeNull();
    expect(job.counts).toEqual({ accepted: 6, repaired: 0, rejected: 0 });
    const { rows } = await sql<{ source_id: string; use: string }>`
      SELECT source_id, use FROM buildings WHERE dataset_id = ${job.dataset_id}::bigint ORDER BY source_id`.execute(
      twin.backend.db,
    );
    expect(Object.fromEntries(rows.map((r) => [r.source_id, r.use]))).toEqual({
      b0: 'office',
      b1: 'other',
      b2: 'other',
      b3: 'other',
      b4: 'retail',
      b5: 'other',
    });
    const report = (await (await gisRequest(twin, `/api/datasets/${job.id}/report`)).json()) as {
      unmapped_values: unknown[];
    };
    // "yes" is OSM's "use unknown": other by design, not an unmapped value.
    expect(report.unmapped_values).toEqual([
      { field: 'use', value: 'bunker', count: 2, mapped_to: 'other' },
      { field: 'use', value: 'greenhouse', count: 1, mapped_to: 'other' },
    ]);
  });
});

describe.each(BACKENDS)(
  'categorical value mapping of road and land-use classes on %s (issue #12)',
  (kind) => {
    let twin: TestTwin;
    let roads = '';
    let landUse = '';
    beforeAll(async () => {
      twin = await createTestTwin(kind, { TWIN_DEMO: 'off' });
      const dir = scratchDir();
      const highways = ['primary', 'tertiary_link', 'residential', 'footway', 'footway', 'busway'];
      roads = writeFile(
        dir,
        'roads.geojson',
        JSON.stringify({
          type: 'FeatureCollection',
          features: highways.map((highway, i) => ({
            type: 'Feature',
            id: `r${i}`,
            properties: { highway, name: `Road ${i}` },
            geometry: {
              type: 'LineString',
              coordinates: [
                [5.13 + i * 0.001, 52.1],
                [5.13 + i * 0.001, 52.101],
              ],
            },
          })),
        }),
      );
      const tags = [
        { landuse: 'forest' },
        { leisure: 'park' },
        { natural: 'scrub' },
        { landuse: 'greenfield' },
        { landuse: 'Allotments' },
      ];
      landUse = writeFile(
        dir,
        'land-use.geojson',
        JSON.stringify({
          type: 'FeatureCollection',
          features: tags.map((properties, i) => ({
            type: 'Feature',
            id: `l${i}`,
            properties,
            geometry: square(i),
          })),
        }),
      );
    });
    afterAll(async () => {
      await twin?.dispose();
      removeScratch();
    });

    const report = async (id: string) =>
      (await (await gisRequest(twin, `/api/datasets/${id}/report`)).json()) as {
        unmapped_values?: unknown[];
      };

    it('maps OSM highway=* to road classes and lists unknown values in the report', async () => {
      const job = await runImport(twin, roads, { layer: 'roads' });
      expect(job.error).toBeNull();
      const { rows } = await sql<{ name: string; class: string }>`
      SELECT DISTINCT name, class FROM road_links WHERE name LIKE 'Road %' ORDER BY name`.execute(
        twin.backend.db,
      );
      expect(Object.fromEntries(rows.map((r) => [r.name, r.class]))).toEqual({
        'Road 0': 'arterial',
        'Road 1': 'collector',
        'Road 2': 'local',
        'Road 3': 'local',
        'Road 4': 'local',
        'Road 5': 'local',
      });
      expect((await report(job.id)).unmapped_values).toEqual([
        { field: 'class', value: 'footway', count: 2, mapped_to: 'local' },
      ]);
    });

    it('maps OSM landuse, leisure and natural to land-use classes and lists unknown values', async () => {
      const job = await runImport(twin, landUse, { layer: 'land_use' });
      expect(job.error).toBeNull();
      expect(job.counts).toEqual({ accepted: 5, repaired: 0, rejected: 0 });
      const { rows } = await sql<{ source_id: string; class: string }>`
      SELECT source_id, class FROM land_use WHERE dataset_id = ${job.dataset_id}::bigint ORDER BY source_id`.execute(
        twin.backend.db,
      );
      expect(Object.fromEntries(rows.map((r) => [r.source_id, r.class]))).toEqual({
        l0: 'forest',
        l1: 'park',
        l2: 'park',
        l3: 'other',
        l4: 'farmland',
      });
      expect((await report(job.id)).unmapped_values).toEqual([
        { field: 'class', value: 'greenfield', count: 1, mapped_to: 'other' },
      ]);
    });
  },
);
