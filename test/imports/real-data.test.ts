import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { BACKENDS } from '../support/backends';
import { suiteTwin } from '../support/twin';
import { runImport, SHARED_DATA } from './support';

const HAS_DATA = existsSync(join(SHARED_DATA, 'manhattan'));
if (!HAS_DATA)
  console.warn(
    `\n[skipped] imports of real open data: ${SHARED_DATA} is absent (it is not part of the repository).\n`,
  );

/** Links in the largest weakly connected component, as a share of all links. */
function largestComponentShare(links: { from_node: string; to_node: string }[]): number {
  const parent = new Map<string, string>();
  const find = (a: string): string => {
    let r = a;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(a, r);
    return r;
  };
  for (const l of links) {
    for (const n of [l.from_node, l.to_node]) if (!parent.has(n)) parent.set(n, n);
    parent.set(find(l.from_node), find(l.to_node));
  }
  const sizes = new Map<string, number>();
  for (const l of links) sizes.set(find(l.from_node), (sizes.get(find(l.from_node)) ?? 0) + 1);
  return Math.max(...sizes.values()) / links.length;
}

describe.skipIf(!HAS_DATA).each(BACKENDS)(
  'real open data imports on %s (needs ../shared/data: skipped without it)',
  (kind) => {
    const ctx = suiteTwin(kind);

    it('imports Midtown Manhattan buildings from the OSM PBF with their heights', async () => {
      const job = await runImport(
        ctx.twin,
        join(SHARED_DATA, 'manhattan/manhattan_midtown_2025-01.osm.pbf'),
        { layer: 'buildings', name: 'Manhattan OSM', licence: 'ODbL' },
      );
      expect(job.error).toBeNull();
      expect(job.counts!.accepted).toBeGreaterThan(7000);
      const stats = await sql<{ n: string; with_height: string; max_h: number; median: number }>`
      SELECT count(*) AS n, count(*) FILTER (WHERE NOT attributes ? 'height_source') AS with_height,
        max(height_m) AS max_h, percentile_cont(0.5) WITHIN GROUP (ORDER BY height_m) AS median
      FROM buildings WHERE dataset_id = ${job.dataset_id}`.execute(ctx.twin.backend.db);
      const s = stats.rows[0]!;
      expect(Number(s.with_height) / Number(s.n)).toBeGreaterThan(0.8);
      expect(s.max_h).toBeGreaterThan(300); // Midtown has several towers above 300 m
      expect(s.median).toBeGreaterThan(10);
      const [w, south, e, n] = job.extent!;
      expect(w).toBeGreaterThan(-74.03);
      expect(e).toBeLessThan(-73.95);
      expect(south).toBeGreaterThan(40.72);
      expect(n).toBeLessThan(40.77);
    });

    it('imports Manhattan highways as a connected road graph', async () => {
      const job = await runImport(
        ctx.twin,
        join(SHARED_DATA, 'manhattan/manhattan_midtown_2025-01.osm.pbf'),
        { layer: 'roads', name: 'Manhattan OSM', licence: 'ODbL' },
      );
      expect(job.error).toBeNull();
      const links = await ctx.twin.backend.db
        .selectFrom('road_links')
        .select(['from_node', 'to_node', 'oneway', 'class'])
        .where('dataset_id', '=', job.dataset_id!)
        .execute();
      expect(links.length).toBeGreaterThan(2000);
      expect(largestComponentShare(links)).toBeGreaterThan(0.9);
      // Manhattan's avenues and streets are mostly one-way.
      expect(links.filter((l) => l.oneway).length / links.length).toBeGreaterThan(0.5);
    });

    it('lands the ky4 water network from EPSG:3547 (legacy GeoJSON crs) near (−85.6, 38.04)', async () => {
      const job = await runImport(ctx.twin, join(SHARED_DATA, 'water-ky4/ky4_junctions.geojson'), {
        layer: 'water',
        name: 'ky4 junctions',
      });
      expect(job.error).toBeNull();
      expect(job.crs).toBe('EPSG:3547');
      expect(job.counts!.accepted).toBeGreaterThan(900);
      const [w, s, e, n] = job.extent!;
      expect((w! + e!) / 2).toBeCloseTo(-85.6, 0);
      expect(Math.abs((s! + n!) / 2 - 38.04)).toBeLessThan(0.1);
    });

    it('imports the ky4 EPANET model with --srs EPSG:3547 as a connected pipe network', async () => {
      const job = await runImport(ctx.twin, join(SHARED_DATA, 'water-ky4/ky4.inp'), {
        layer: 'water',
        name: 'ky4 model',
        srs: 'EPSG:3547',
      });
      expect(job.error).toBeNull();
      const counts = await sql<{ pipes: string; nodes: string; lon: number; lat: number }>`
      SELECT (SELECT count(*) FROM water_pipes WHERE dataset_id = ${job.dataset_id}) AS pipes,
        (SELECT count(*) FROM water_nodes WHERE dataset_id = ${job.dataset_id}) AS nodes,
        (SELECT ST_X(ST_Transform(ST_Centroid(ST_Collect(geom)), 4326)) FROM water_nodes WHERE dataset_id = ${job.dataset_id}) AS lon,
        (SELECT ST_Y(ST_Transform(ST_Centroid(ST_Collect(geom)), 4326)) FROM water_nodes WHERE dataset_id = ${job.dataset_id}) AS lat`.execute(
        ctx.twin.backend.db,
      );
      const c = counts.rows[0]!;
      expect(Number(c.pipes)).toBeGreaterThan(1100);
      expect(Number(c.nodes)).toBeGreaterThan(950);
      expect(c.lon).toBeCloseTo(-85.6, 0);
      expect(Math.abs(c.lat - 38.04)).toBeLessThan(0.1);
    });

    it('registers the 207 METR-LA loop detectors as sensors', async () => {
      const job = await runImport(
        ctx.twin,
        join(SHARED_DATA, 'metr-la/graph_sensor_locations.csv'),
        {
          layer: 'sensors',
          name: 'METR-LA',
          licence: 'MIT',
          mapping: ["kind='traffic_speed'", "unit='mph'"],
        },
      );
      expect(job.error).toBeNull();
      expect(job.counts).toEqual({ accepted: 207, repaired: 0, rejected: 0 });
      const sensors = await ctx.twin.backend.db
        .selectFrom('sensors')
        .select(['external_id', 'kind', 'unit'])
        .where('dataset_id', '=', job.dataset_id!)
        .orderBy('external_id')
        .execute();
      expect(sensors).toHaveLength(207);
      expect(sensors.find((s) => s.external_id === '773869')).toEqual({
        external_id: '773869',
        kind: 'traffic_speed',
        unit: 'mph',
      });
      const [w, s, e, n] = job.extent!;
      expect(w).toBeGreaterThan(-118.6);
      expect(e).toBeLessThan(-118.1);
      expect(s).toBeGreaterThan(33.9);
      expect(n).toBeLessThan(34.3);
    });
  },
);
