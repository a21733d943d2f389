import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ImportService } from '../../server/imports/import-service';
import { parseToSpool } from '../../server/imports/parse';
import { DEFAULT_LIMITS } from '../../server/imports/source';
import type { DirectRows } from '../../server/imports/stage-writer';
import type { ImportJob } from '../../common/api-types';
import { HAS_POSTGRES } from '../support/backends';
import { importTwin, runImport, SHARED_DATA, writeFile } from './support';

/**
 * Buildings that need nothing from the database go straight into the dataset's table (COPY in
 * DIRECT_COLUMNS, geometry projected to EPSG:3857 in the parse worker) instead of through the
 * staging table. Only a pipelined load on PostgreSQL does it; the spool path (PGlite, the CLI
 * without a worker) stages every row. The two must store the same thing.
 */

const MANHATTAN = join(SHARED_DATA, 'manhattan/manhattan_midtown_buildings_osm.geojson');
if (!existsSync(MANHATTAN))
  console.warn(`\n[skipped] direct rows of real footprints: ${MANHATTAN} is absent.\n`);

const square = (x: number, y: number, d = 0.0001) => [
  [x, y],
  [x + d, y],
  [x + d, y + d],
  [x, y + d],
  [x, y],
];
const feature = (id: string, properties: Record<string, unknown>, geometry: unknown) => ({
  type: 'Feature',
  id,
  properties,
  geometry,
});
const polygon = (ring: number[][], ...holes: number[][][]) => ({
  type: 'Polygon',
  coordinates: [ring, ...holes],
});

/** What COPY text and the typed columns must carry as the staged insert does. */
function edgeCases(): string {
  const x = -73.99,
    y = 40.75;
  const at = (i: number) => square(x + i * 0.0003, y);
  const features = [
    feature('plain', { height: 12.5, 'building:levels': 4, name: 'Plain' }, polygon(at(0))),
    feature('levels', { 'building:levels': 7 }, polygon(at(1))),
    feature('default', {}, polygon(at(2))),
    feature('tabs', { name: 'a\tb\nc\\d\re', height: '30 ft' }, polygon(at(3))),
    feature('unicode', { name: 'Café 東京 🏢', building: 'residential' }, polygon(at(4))),
    feature('lone-surrogate', { name: 'x\ud800y' }, polygon(at(5))),
    feature('nul', { name: 'x\u0000y' }, polygon(at(6))),
    feature('nul-attr', { note: 'x\u0000y', 'x\ud800': 1 }, polygon(at(7))),
    feature('sid\u0000x', {}, polygon(at(11))),
    feature('min', { height: 20, min_height: 5, start_date: '1931' }, polygon(at(8))),
    feature('use', { building: 'commercial', height: 0 }, polygon(at(9))),
    feature('long', { height: 3, description: 'z'.repeat(3000) }, polygon(at(10))),
    // Staged: a hole, two parts, a bow-tie (repaired), a ring with a repeated position.
    feature(
      'nul-hole',
      { name: 'x\u0000y' },
      polygon(square(x + 0.002, y + 0.001, 0.001), square(x + 0.0023, y + 0.0013, 0.0002)),
    ),
    feature(
      'hole',
      {},
      polygon(square(x, y + 0.001, 0.001), square(x + 0.0003, y + 0.0013, 0.0002)),
    ),
    feature(
      'multi',
      {},
      {
        type: 'MultiPolygon',
        coordinates: [[at(12)], [at(13)]],
      },
    ),
    feature(
      'bowtie',
      {},
      polygon([
        [x, y + 0.002],
        [x + 0.0001, y + 0.0021],
        [x + 0.0001, y + 0.002],
        [x, y + 0.0021],
        [x, y + 0.002],
      ]),
    ),
    feature(
      'repeat',
      {},
      polygon([
        [x, y + 0.003],
        [x + 0.0001, y + 0.003],
        [x + 0.0001, y + 0.003],
        [x + 0.0001, y + 0.0031],
        [x, y + 0.003],
      ]),
    ),
    // Rejected before the database: a point, an open ring, too tall.
    feature('point', {}, { type: 'Point', coordinates: [x, y] }),
    feature('open', {}, polygon(at(14).slice(0, 4))),
    feature('tall', { height: 5000 }, polygon(at(15))),
    { type: 'Feature', properties: { height: 8 }, geometry: polygon(at(16)) },
  ];
  return JSON.stringify({ type: 'FeatureCollection', features });
}

describe.skipIf(!HAS_POSTGRES)(
  'direct rows of a buildings import (needs DATABASE_URL: skipped)',
  () => {
    const ctx = importTwin('postgres');

    /** Rows of a dataset by source id, with geometry as text and the fields both paths write. */
    const stored = async (datasetId: string) =>
      (
        await sql<Record<string, unknown>>`SELECT source_id, ST_AsEWKT(geom) AS ewkt,
            GeometryType(geom) AS type, height_m, levels, use, name, year_built, min_height_m,
            lod, surfaces IS NULL AS no_surfaces, surface_types, attributes
          FROM buildings WHERE dataset_id = ${datasetId}::bigint ${ORDER}`.execute(
          ctx.twin.backend.db,
        )
      ).rows;

    /** The largest distance between two datasets' geometries of the same source id (metres). */
    /**
     * The order both checks read a dataset in (source ids are often absent: OSM footprints), its
     * extents to the millimetre: the two paths' coordinates differ in the last bits.
     */
    const mm = (f: string) => sql`round(${sql.raw(f)}(geom)::numeric, 3)`;
    const ORDER = sql`ORDER BY source_id NULLS LAST, ${mm('ST_XMin')}, ${mm('ST_YMin')}, ${mm('ST_XMax')},
      ${mm('ST_YMax')}, ST_NPoints(geom), height_m, min_height_m, attributes::text`;

    /** The largest distance between the two datasets' geometries, row by row (metres). */
    const maxDistance = async (a: string, b: string) =>
      Number(
        (
          await sql<{ d: number | null; n: number }>`WITH
              x AS (SELECT geom, row_number() OVER (${ORDER}) AS i FROM buildings WHERE dataset_id = ${a}::bigint),
              y AS (SELECT geom, row_number() OVER (${ORDER}) AS i FROM buildings WHERE dataset_id = ${b}::bigint)
            SELECT max(ST_HausdorffDistance(x.geom, y.geom)) AS d FROM x JOIN y USING (i)`.execute(
            ctx.twin.backend.db,
          )
        ).rows[0]!.d ?? NaN,
      );

    const report = async (jobId: string) =>
      (
        await sql<{
          report: Record<string, unknown>;
        }>`SELECT report FROM import_jobs WHERE id = ${jobId}`.execute(ctx.twin.backend.db)
      ).rows[0]!.report;

    /** The same file through the pipelined load (direct rows) and through the spool (staged). */
    async function bothWays(path: string, name: string) {
      const direct = await runImport(ctx.twin, path, {
        layer: 'buildings',
        name: `${name} direct`,
      });
      const spooled = new ImportService({
        backend: ctx.twin.backend,
        catalog: ctx.twin.tiles.catalog,
        limits: ctx.twin.config.imports,
        useWorker: false,
      });
      const { done } = await spooled.submit({
        path,
        fileName: path.split('/').pop()!,
        layer: 'buildings',
        mode: 'replace',
        mapping: [],
        name: `${name} staged`,
        source: 'test',
        licence: 'CC0-1.0',
      });
      const staged = await done;
      expect(direct.status, direct.error ?? '').toBe('succeeded');
      expect(staged.status, staged.error ?? '').toBe('succeeded');
      return { direct, staged };
    }

    /**
     * The two imports stored the same: counts, extent, report, every field of every row, and
     * geometry projected by the worker (spherical mercator as PROJ computes it) or by
     * ST_Transform to within a micrometre. Returns the direct import's rows.
     */
    async function expectSameStore(a: ImportJob, b: ImportJob) {
      expect(a.counts).toEqual(b.counts);
      expect(a.extent).toEqual(b.extent);
      expect((await report(a.id)).features).toEqual((await report(b.id)).features);
      const rowsA = await stored(a.dataset_id!);
      const rowsB = await stored(b.dataset_id!);
      expect(rowsA.length).toBe(rowsB.length);
      expect(rowsA.map(({ ewkt: _, ...r }) => r)).toEqual(rowsB.map(({ ewkt: _, ...r }) => r));
      expect(await maxDistance(a.dataset_id!, b.dataset_id!)).toBeLessThan(1e-6);
      return rowsA;
    }

    /** How the parse splits the file: direct rows, and staged rows by status. */
    async function split(path: string) {
      let direct = 0;
      const staged: string[] = [];
      await parseToSpool(
        {
          path,
          name: path.split('/').pop()!,
          target: 'buildings',
          mapping: [],
          limits: DEFAULT_LIMITS,
          tmpDir: ctx.dir,
          direct: true,
        },
        () => {},
        0,
        async (text: string, rows?: DirectRows) => {
          direct += rows?.rows ?? 0;
          for (const line of text.split('\n')) if (line) staged.push(line.split('\t')[2]!);
        },
      );
      return { direct, staged };
    }

    it('stores what the staged path stores, for every field and edge case', async () => {
      const path = writeFile(ctx.dir, 'edge.geojson', edgeCases());
      // Simple, clean footprints go direct; text PostgreSQL refuses, holes, parts, rings the
      // parse cannot prove simple and rejections are staged.
      const { direct, staged } = await split(path);
      expect(direct).toBe(13);
      expect(staged.sort()).toEqual(
        ['bowtie', 'hole', 'multi', 'nul-hole', 'open', 'point', 'repeat', 'tall'].sort(),
      );

      const { direct: a, staged: b } = await bothWays(path, 'edge');
      expect(a.counts).toMatchObject({ rejected: 3 });
      const rowsA = await expectSameStore(a, b);
      const byId = new Map(rowsA.map((r) => [r.source_id, r]));
      expect(byId.get('tabs')).toMatchObject({
        name: 'a\tb\nc\\d\re',
        height_m: expect.closeTo(9.144, 3),
      });
      expect(byId.get('unicode')).toMatchObject({ name: 'Café 東京 🏢', use: 'residential' });
      expect(byId.get('default')).toMatchObject({ height_m: 9, use: 'other', levels: null });
      // What PostgreSQL cannot store (a NUL, half a surrogate pair) becomes U+FFFD, both ways,
      // instead of failing the whole file.
      expect(byId.get('nul')!.name).toBe('x\uFFFDy');
      expect(byId.get('lone-surrogate')!.name).toBe('x\uFFFDy');
      expect(byId.get('nul-hole')!.name).toBe('x\uFFFDy');
      expect(byId.get('nul-attr')!.attributes).toMatchObject({ note: 'x\uFFFDy', 'x\uFFFD': 1 });
      expect(byId.has('sid\uFFFDx')).toBe(true);
      expect(byId.get('plain')!.type).toBe('MULTIPOLYGON');
      expect(String(byId.get('plain')!.ewkt)).toMatch(/^SRID=3857;MULTIPOLYGON/);
    });

    it.skipIf(!existsSync(MANHATTAN))(
      'stores the Manhattan footprints as the staged path does',
      async () => {
        const { direct, staged } = await split(MANHATTAN);
        const features = (JSON.parse(readFileSync(MANHATTAN, 'utf8')) as { features: unknown[] })
          .features.length;
        // Nearly all OSM footprints are one simple ring; the rest (multipolygons) are staged.
        expect(direct + staged.length).toBe(features);
        expect(direct / features).toBeGreaterThan(0.95);
        const { direct: a, staged: b } = await bothWays(MANHATTAN, 'manhattan');
        await expectSameStore(a, b);
      },
    );
  },
);
