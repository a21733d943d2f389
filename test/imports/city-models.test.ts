import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import {
  gableCityJsonSeq,
  removeScratch,
  runImport,
  scratchDir,
  SHARED_DATA,
  writeFile,
} from './support';

const MODELS = join(SHARED_DATA, 'citymodels');
const HAS_MODELS = existsSync(MODELS);
if (!HAS_MODELS)
  console.warn(
    `\n[skipped] 3D city model samples: ${MODELS} is absent (it is not part of the repository).\n`,
  );

interface Row {
  n: string;
  lon: number;
  lat: number;
  min_h: number;
  max_h: number;
  with_surfaces: string;
  lods: string;
  area_m2: number;
  roofs: string;
}

describe.each(BACKENDS)('3D city models on %s', (kind) => {
  let twin: TestTwin;
  beforeAll(async () => {
    twin = await createTestTwin(kind);
  });
  afterAll(async () => {
    await twin?.dispose();
    removeScratch();
  });

  const stats = async (datasetId: string | null) =>
    (
      await sql<Row>`
        SELECT count(*)::text AS n, ST_X(ST_Transform(ST_Centroid(ST_Collect(geom)), 4326)) AS lon,
          ST_Y(ST_Transform(ST_Centroid(ST_Collect(geom)), 4326)) AS lat, min(height_m) AS min_h, max(height_m) AS max_h,
          count(surfaces)::text AS with_surfaces, string_agg(DISTINCT coalesce(lod, '-'), ',') AS lods,
          sum(ST_Area(ST_Transform(geom, 4326)::geography)) AS area_m2,
          sum((SELECT count(*) FROM unnest(surface_types) t WHERE t = 'RoofSurface'))::text AS roofs
        FROM buildings WHERE dataset_id = ${datasetId}`.execute(twin.backend.db)
    ).rows[0]!;

  it('imports a CityJSONSeq LoD2 building: footprint from the ground surface, height from the solid, roof surfaces kept', async () => {
    const file = writeFile(scratchDir(), 'gable.city.jsonl', gableCityJsonSeq());
    const job = await runImport(twin, file, { layer: 'buildings', name: 'gable' });
    expect(job.error).toBeNull();
    expect(job.format).toBe('cityjsonseq');
    expect(job.crs).toBe('EPSG:2056');
    expect(job.counts).toEqual({ accepted: 1, repaired: 0, rejected: 0 });
    const s = await stats(job.dataset_id);
    expect(s.max_h).toBeCloseTo(9, 3);
    expect(s.area_m2).toBeGreaterThan(59);
    expect(s.area_m2).toBeLessThan(61);
    expect(s.lods).toBe('2.2');
    expect(s.roofs).toBe('2');
    expect(s.lon).toBeCloseTo(8.5376, 3);
    expect(s.lat).toBeCloseTo(47.3686, 3);
    const b = (
      await sql<{
        levels: number;
        year_built: number;
        types: string[];
        zmax: number;
        zmin: number;
        n: number;
        valid: boolean;
      }>`
      SELECT levels, year_built, surface_types AS types, ST_ZMax(surfaces) AS zmax, ST_ZMin(surfaces) AS zmin,
        ST_NumGeometries(surfaces) AS n, ST_IsValid(geom) AS valid
      FROM buildings WHERE dataset_id = ${job.dataset_id}`.execute(twin.backend.db)
    ).rows[0]!;
    expect(b).toMatchObject({ levels: 2, year_built: 1931, zmin: 0, n: 7, valid: true });
    expect(b.zmax).toBeCloseTo(9, 3);
    expect(b.types).toEqual([
      'GroundSurface',
      'WallSurface',
      'WallSurface',
      'WallSurface',
      'WallSurface',
      'RoofSurface',
      'RoofSurface',
    ]);
  });

  it('refuses an LoD outside 0–4 and an unknown parts mode before reading the file', async () => {
    const file = writeFile(scratchDir(), 'gable.city.jsonl', gableCityJsonSeq());
    await expect(runImport(twin, file, { layer: 'buildings', lod: 'five' })).rejects.toThrow(
      /--lod must be a number/,
    );
    await expect(
      runImport(twin, file, { layer: 'buildings', buildingParts: 'split' as never }),
    ).rejects.toThrow(/parts must be merge/);
  });

  describe.skipIf(!HAS_MODELS)(
    'the shared samples (skipped without ../shared/data/citymodels)',
    () => {
      it('lands Zürich LoD2 (CityJSON 1.1, EPSG:2056) near 8.54 E, 47.37 N with parts merged into 49 buildings', async () => {
        const job = await runImport(twin, join(MODELS, 'zurich_subset_lod2.city.json'), {
          layer: 'buildings',
          name: 'Zürich LoD2',
        });
        expect(job.error).toBeNull();
        expect(job.crs).toBe('EPSG:2056');
        expect(job.counts!.rejected).toBe(0);
        expect(job.counts!.accepted + job.counts!.repaired).toBe(49);
        const s = await stats(job.dataset_id);
        expect(Math.abs(s.lon - 8.54)).toBeLessThan(0.05);
        expect(Math.abs(s.lat - 47.37)).toBeLessThan(0.05);
        expect(s.with_surfaces).toBe('49');
        expect(s.lods).toBe('2');
        expect(s.min_h).toBeGreaterThan(1);
        expect(s.max_h).toBeLessThan(60);
        expect(Number(s.roofs)).toBeGreaterThan(100);
        const [w, south, e, n] = job.extent!;
        expect(w).toBeGreaterThan(8.45);
        expect(e).toBeLessThan(8.65);
        expect(south).toBeGreaterThan(47.3);
        expect(n).toBeLessThan(47.45);
      });

      it('keeps Zürich BuildingParts as buildings of their own with --parts keep', async () => {
        const job = await runImport(twin, join(MODELS, 'zurich_subset_lod2.city.json'), {
          layer: 'buildings',
          name: 'Zürich parts',
          buildingParts: 'keep',
        });
        expect(job.error).toBeNull();
        const s = await stats(job.dataset_id);
        expect(Number(s.n)).toBeGreaterThan(150);
        const parents = await sql<{
          n: string;
        }>`SELECT count(DISTINCT attributes->>'building_id')::text AS n FROM buildings
        WHERE dataset_id = ${job.dataset_id} AND attributes->>'cityjson_type' = 'BuildingPart'`.execute(
          twin.backend.db,
        );
        expect(Number(parents.rows[0]!.n)).toBeGreaterThan(40);
      });

      it('asks for --srs for the 3D BAG multi-LoD file, then reads it as RD New + NAP (EPSG:7415)', async () => {
        const file = join(MODELS, 'multi_lod.city.json');
        const refused = await runImport(twin, file, { layer: 'buildings', name: 'multi lod' });
        expect(refused.status).toBe('failed');
        expect(refused.error).toMatch(
          /declares no CRS; set the source CRS with --srs EPSG:xxxx.*EPSG:7415/,
        );
        const job = await runImport(twin, file, {
          layer: 'buildings',
          name: 'multi lod',
          srs: 'EPSG:7415',
        });
        expect(job.error).toBeNull();
        expect(job.crs).toBe('EPSG:28992');
        expect(job.counts!.accepted + job.counts!.repaired).toBe(10);
        const s = await stats(job.dataset_id);
        expect(s.lods).toBe('2.2');
        expect(s.with_surfaces).toBe('10');
        // RD (153200, 414118) is near 's-Hertogenbosch: about 5.35 E, 51.71 N.
        expect(Math.abs(s.lon - 5.35)).toBeLessThan(0.1);
        expect(Math.abs(s.lat - 51.71)).toBeLessThan(0.1);
        const lod1 = await runImport(twin, file, {
          layer: 'buildings',
          name: 'multi lod 1.2',
          srs: 'EPSG:7415',
          lod: '1.2',
        });
        const s1 = await stats(lod1.dataset_id);
        expect(s1.lods).toBe('1.2');
        expect(s1.with_surfaces).toBe('0');
        expect(s1.area_m2).toBeCloseTo(s.area_m2, -1);
      });

      it('reads Rotterdam (CityJSON 2.0, no CRS) with --srs EPSG:28992 near 4.47 E, 51.92 N', async () => {
        const job = await runImport(twin, join(MODELS, 'rotterdam_subset.city.json'), {
          layer: 'buildings',
          name: 'Rotterdam',
          srs: 'EPSG:28992',
        });
        expect(job.error).toBeNull();
        expect(job.counts!.accepted + job.counts!.repaired).toBe(16);
        const s = await stats(job.dataset_id);
        expect(Math.abs(s.lon - 4.47)).toBeLessThan(0.05);
        expect(Math.abs(s.lat - 51.92)).toBeLessThan(0.05);
        expect(s.min_h).toBeGreaterThan(2);
        expect(s.with_surfaces).toBe('16');
      });

      it.each([
        ['citygml2_Building_LOD1-EPSG25832.gml', '1', 0],
        ['citygml2_Building_LOD2-EPSG25832.gml', '2', 2],
        ['citygml2_Building_and_garage_LOD2-EPSG25832.gml', '2', 3],
      ])(
        'reads the CityGML 2.0 example %s (compound URN EPSG:25832 + DHHN92) at LoD %s',
        async (file, lod, roofs) => {
          const job = await runImport(twin, join(MODELS, file), { layer: 'buildings', name: file });
          expect(job.error).toBeNull();
          expect(job.format).toBe('citygml');
          expect(job.crs).toBe('EPSG:25832');
          expect(job.counts).toEqual({ accepted: 1, repaired: 0, rejected: 0 });
          const s = await stats(job.dataset_id);
          expect(s.lods).toBe(lod);
          expect(Number(s.roofs ?? 0)).toBe(roofs);
          // UTM 32N (458875, 5438350) is in Karlsruhe: 8.437 E, 49.097 N.
          expect(s.lon).toBeCloseTo(8.437, 2);
          expect(s.lat).toBeCloseTo(49.097, 2);
          expect(s.area_m2).toBeGreaterThan(45);
          const b = (
            await sql<{
              name: string;
              year_built: number;
              height_m: number;
              attrs: Record<string, unknown>;
            }>`
        SELECT name, year_built, height_m, attributes AS attrs FROM buildings WHERE dataset_id = ${job.dataset_id}`.execute(
              twin.backend.db,
            )
          ).rows[0]!;
          expect(b.year_built).toBe(1985);
          expect(b.height_m).toBeGreaterThan(3);
          expect(b.attrs).toMatchObject({
            measuredHeight: expect.any(Number),
            function: expect.anything(),
          });
        },
      );
    },
  );
});
