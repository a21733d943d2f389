import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import {
  gisRequest,
  osmPbf,
  removeScratch,
  runImport,
  scratchDir,
  SHARED_DATA,
  writeFile,
  type OsmNode,
  type OsmRelation,
  type OsmWay,
} from './support';

const MANHATTAN = join(SHARED_DATA, 'manhattan/manhattan_midtown_2025-01.osm.pbf');
const HAS_MANHATTAN = existsSync(MANHATTAN);
if (!HAS_MANHATTAN)
  console.warn(`\n[skipped] OSM relations in the Manhattan extract: ${MANHATTAN} is absent.\n`);

/** Nodes on a 0.0001° (≈ 7 × 11 m) grid near (5.2, 52.1), numbered 100·i + j. */
const at = (i: number, j: number): OsmNode => ({
  id: 100 * i + j + 1,
  lon: 5.2 + i * 0.0001,
  lat: 52.1 + j * 0.0001,
});
const n = (i: number, j: number) => 100 * i + j + 1;

/**
 * A small town: a courtyard building drawn as a multipolygon relation (its outer ring split over
 * two untagged ways, an inner ring), a land-use relation, a building outline with two parts (a
 * podium and a tower on it), and a relation whose member way the extract lacks.
 */
function town(): Uint8Array {
  const nodes: OsmNode[] = [];
  for (let i = 0; i <= 30; i++) for (let j = 0; j <= 10; j++) nodes.push(at(i, j));
  const ways: OsmWay[] = [
    // Courtyard building: outer 0..6 × 0..6 in two halves, inner 2..4 × 2..4.
    { id: 1, refs: [n(0, 0), n(6, 0), n(6, 6)], tags: {} },
    { id: 2, refs: [n(6, 6), n(0, 6), n(0, 0)], tags: {} },
    { id: 3, refs: [n(2, 2), n(2, 4), n(4, 4), n(4, 2), n(2, 2)], tags: {} },
    // Residential land use 10..20 × 0..10.
    { id: 4, refs: [n(10, 0), n(20, 0), n(20, 10), n(10, 10), n(10, 0)], tags: {} },
    // An outline 22..28 × 0..6 with a podium part (22..28 × 0..3) and a tower part (24..26 × 3..5).
    {
      id: 5,
      refs: [n(22, 0), n(28, 0), n(28, 6), n(22, 6), n(22, 0)],
      tags: { building: 'office', name: 'Tower Plaza', height: '80' },
    },
    {
      id: 6,
      refs: [n(22, 0), n(28, 0), n(28, 3), n(22, 3), n(22, 0)],
      tags: { 'building:part': 'yes', height: '12', 'building:levels': '3' },
    },
    {
      id: 7,
      refs: [n(24, 3), n(26, 3), n(26, 5), n(24, 5), n(24, 3)],
      tags: {
        'building:part': 'yes',
        height: '80',
        min_height: '12',
        'building:levels': '20',
        'building:min_level': '3',
      },
    },
  ];
  const relations: OsmRelation[] = [
    {
      id: 11,
      tags: {
        type: 'multipolygon',
        building: 'apartments',
        name: 'Hofhaus',
        'building:levels': '5',
      },
      members: [
        { ref: 1, role: 'outer' },
        { ref: 2, role: 'outer' },
        { ref: 3, role: 'inner' },
      ],
    },
    {
      id: 12,
      tags: { type: 'multipolygon', landuse: 'residential', name: 'Oostwijk' },
      members: [{ ref: 4, role: 'outer' }],
    },
    {
      id: 13,
      tags: { type: 'multipolygon', building: 'yes' },
      members: [{ ref: 99, role: 'outer' }],
    },
  ];
  return osmPbf(nodes, ways, relations);
}

describe.each(BACKENDS)('OpenStreetMap areas on %s (issue #15)', (kind) => {
  let twin: TestTwin;
  let file = '';
  beforeAll(async () => {
    twin = await createTestTwin(kind);
    file = writeFile(scratchDir(), 'town.osm.pbf', town());
  });
  afterAll(async () => {
    await twin?.dispose();
    removeScratch();
  });

  const rows = async (datasetId: string | null) =>
    (
      await sql<{
        source_id: string;
        name: string | null;
        height_m: number;
        min_height_m: number | null;
        levels: number | null;
        use: string;
        area: number;
        holes: number;
        outline: string | null;
      }>`
    SELECT source_id, name, height_m, min_height_m, levels, use, ST_Area(ST_Transform(geom, 4326)::geography) AS area,
      ST_NumInteriorRings(ST_GeometryN(geom, 1)) AS holes, attributes->>'building:outline' AS outline
    FROM buildings WHERE dataset_id = ${datasetId} ORDER BY source_id`.execute(twin.backend.db)
    ).rows;

  it('assembles a multipolygon building from its member ways, with its courtyard as a hole', async () => {
    const job = await runImport(twin, file, { layer: 'buildings', name: 'town buildings' });
    expect(job.error).toBeNull();
    const got = await rows(job.dataset_id);
    const hof = got.find((r) => r.source_id === 'r11')!;
    expect(hof).toMatchObject({ name: 'Hofhaus', levels: 5, use: 'residential', holes: 1 });
    // 6 × 6 cells minus 2 × 2 cells, a cell ≈ 6.85 m × 11.13 m at 52.1° N.
    const cell = 0.0001 * 111_320 * Math.cos((52.1003 * Math.PI) / 180) * 0.0001 * 111_250;
    expect(hof.area / (32 * cell)).toBeGreaterThan(0.98);
    expect(hof.area / (32 * cell)).toBeLessThan(1.02);
    // The broken relation is rejected with its reason; nothing else is.
    const report = (await (await gisRequest(twin, `/api/datasets/${job.id}/report`)).json()) as {
      features: { source_id: string; reason: string }[];
      skipped_other_kinds: number;
    };
    expect(report.features).toEqual([
      expect.objectContaining({
        source_id: 'r13',
        reason: expect.stringMatching(
          /multipolygon relation 13: member way 99 is not in the extract/,
        ),
      }),
    ]);
  });

  it('stores building parts with their heights and levels, and not their outline (no footprint counted twice)', async () => {
    const job = await runImport(twin, file, { layer: 'buildings', name: 'town parts' });
    expect(job.error).toBeNull();
    const got = await rows(job.dataset_id);
    expect(got.map((r) => r.source_id)).toEqual(['r11', 'w6', 'w7']);
    const [podium, tower] = [got[1]!, got[2]!];
    expect(podium).toMatchObject({
      height_m: 12,
      levels: 3,
      min_height_m: null,
      name: 'Tower Plaza',
      use: 'office',
      outline: 'w5',
    });
    expect(tower).toMatchObject({
      height_m: 80,
      min_height_m: 12,
      levels: 20,
      name: 'Tower Plaza',
      outline: 'w5',
    });
    const report = (await (await gisRequest(twin, `/api/datasets/${job.id}/report`)).json()) as {
      skipped_other_kinds: number;
      counts: { accepted: number };
    };
    // The outline, the land use and the ways that are only members are not buildings.
    expect(report.counts.accepted).toBe(3);
    expect(report.skipped_other_kinds).toBe(2);
  });

  it('imports land use from multipolygon relations into the land_use layer', async () => {
    const job = await runImport(twin, file, { layer: 'land_use', name: 'town land use' });
    expect(job.error).toBeNull();
    expect(job.counts).toEqual({ accepted: 1, repaired: 0, rejected: 0 });
    const lu = (
      await sql<{
        class: string;
        name: string;
        source_id: string;
      }>`SELECT class, name, source_id FROM land_use WHERE dataset_id = ${job.dataset_id}`.execute(
        twin.backend.db,
      )
    ).rows;
    expect(lu).toEqual([{ class: 'residential', name: 'Oostwijk', source_id: 'r12' }]);
  });

  it.skipIf(!HAS_MANHATTAN)(
    "reads Midtown Manhattan's multipolygon buildings and building parts (needs ../shared/data)",
    async () => {
      const job = await runImport(twin, MANHATTAN, {
        layer: 'buildings',
        name: 'Manhattan',
        licence: 'ODbL',
      });
      expect(job.error).toBeNull();
      const s = (
        await sql<{ relations: string; parts: string; outlines_kept: string; total: string }>`
      SELECT count(*) FILTER (WHERE source_id LIKE 'r%')::text AS relations,
        count(*) FILTER (WHERE attributes ? 'building:part')::text AS parts,
        (SELECT count(*) FROM buildings o WHERE o.dataset_id = ${job.dataset_id}
           AND EXISTS (SELECT 1 FROM buildings p WHERE p.dataset_id = o.dataset_id AND p.attributes->>'building:outline' = o.source_id))::text AS outlines_kept,
        count(*)::text AS total
      FROM buildings WHERE dataset_id = ${job.dataset_id}`.execute(twin.backend.db)
      ).rows[0]!;
      expect(Number(s.relations)).toBeGreaterThan(20);
      expect(Number(s.parts)).toBeGreaterThan(500);
      expect(s.outlines_kept).toBe('0');
      expect(Number(s.total)).toBeGreaterThan(7000);
      const report = (await (await gisRequest(twin, `/api/datasets/${job.id}/report`)).json()) as {
        skipped_other_kinds: number;
      };
      expect(report.skipped_other_kinds).toBeGreaterThan(50);
    },
  );
});
