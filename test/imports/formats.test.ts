import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { sql } from 'kysely';
import { serialize } from 'flatgeobuf/lib/mjs/geojson.js';
import type { FeatureCollection } from 'geojson';
import { BACKENDS } from '../support/backends';
import { FIXTURES, gisRequest, importTwin, osmPbf, runImport, writeFile } from './support';

/** Small buildings in Utrecht in the Dutch grid (EPSG:28992), next to the demo city. */
const RD_BUILDINGS = {
  type: 'FeatureCollection',
  crs: { type: 'name', properties: { name: 'urn:ogc:def:crs:EPSG::28992' } },
  features: [
    {
      type: 'Feature',
      properties: { bag_id: 'B1', hoogte: 12.5, naam: 'Stadhuis', verdiepingen: 4 },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [136000, 455900],
            [136020, 455900],
            [136020, 455920],
            [136000, 455920],
            [136000, 455900],
          ],
        ],
      },
    },
    {
      type: 'Feature',
      properties: { bag_id: 'B2', hoogte: 30, naam: 'Toren', verdiepingen: 10 },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [136100, 455900],
            [136115, 455900],
            [136115, 455915],
            [136100, 455915],
            [136100, 455900],
          ],
        ],
      },
    },
    {
      type: 'Feature',
      properties: { bag_id: 'B3', hoogte: null, naam: 'Schuur', verdiepingen: 2 },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [136200, 455900],
            [136210, 455900],
            [136210, 455910],
            [136200, 455910],
            [136200, 455900],
          ],
        ],
      },
    },
  ],
};
const RD_MAP = ['height_m=hoogte', 'levels=verdiepingen', 'name=naam', 'source_id=bag_id'];

describe.each(BACKENDS)('imports of every format on %s', (kind) => {
  const ctx = importTwin(kind);

  const buildingsOf = async (datasetId: string | null) =>
    (
      await sql<{
        source_id: string;
        height_m: number;
        levels: number | null;
        name: string;
        lon: number;
        lat: number;
      }>`
        SELECT source_id, height_m, levels, name, ST_X(ST_Transform(ST_Centroid(geom), 4326)) AS lon,
          ST_Y(ST_Transform(ST_Centroid(geom), 4326)) AS lat
        FROM buildings WHERE dataset_id = ${datasetId} ORDER BY source_id`.execute(
        ctx.twin.backend.db,
      )
    ).rows;

  it('reprojects GeoJSON with a legacy crs member and maps fields, deriving height from levels', async () => {
    const file = writeFile(ctx.dir, 'rd.geojson', JSON.stringify(RD_BUILDINGS));
    const job = await runImport(ctx.twin, file, {
      layer: 'buildings',
      mapping: RD_MAP,
      name: 'rd geojson',
    });
    expect(job.error).toBeNull();
    expect(job.status).toBe('succeeded');
    expect(job.crs).toBe('EPSG:28992');
    expect(job.counts).toEqual({ accepted: 3, repaired: 0, rejected: 0 });
    const rows = await buildingsOf(job.dataset_id);
    expect(rows.map((r) => [r.source_id, r.height_m, r.levels, r.name])).toEqual([
      ['B1', 12.5, 4, 'Stadhuis'],
      ['B2', 30, 10, 'Toren'],
      ['B3', 6, 2, 'Schuur'],
    ]);
    // RD (136000, 455900) is in Utrecht: about 5.11 °E, 52.09 °N.
    expect(rows[0]!.lon).toBeCloseTo(5.1101, 3);
    expect(rows[0]!.lat).toBeCloseTo(52.0911, 3);
    const [w, s, e, n] = job.extent!;
    expect(w).toBeGreaterThan(5.1);
    expect(e).toBeLessThan(5.13);
    expect(s).toBeGreaterThan(52.08);
    expect(n).toBeLessThan(52.1);
  });

  it('reads a zipped Shapefile with its .prj and .cpg', async () => {
    const job = await runImport(ctx.twin, join(FIXTURES, 'panden-rd.zip'), {
      layer: 'buildings',
      mapping: ['height_m=hoogte', 'source_id=bag_id', 'name=naam'],
    });
    expect(job.error).toBeNull();
    expect(job.counts!.accepted).toBe(3);
    const rows = await buildingsOf(job.dataset_id);
    expect(rows.map((r) => r.name)).toEqual(['Stadhuis', 'Toren', 'Schuur']);
    expect(rows[0]!.lon).toBeCloseTo(5.1101, 3);
    expect(rows[0]!.lat).toBeCloseTo(52.0911, 3);
  });

  it('reads a GeoPackage with its spatial reference system', async () => {
    const job = await runImport(ctx.twin, join(FIXTURES, 'panden-rd.gpkg'), {
      layer: 'buildings',
      mapping: RD_MAP,
    });
    expect(job.error).toBeNull();
    expect(job.crs).toBe('EPSG:28992');
    const rows = await buildingsOf(job.dataset_id);
    expect(rows.map((r) => r.source_id)).toEqual(['B1', 'B2', 'B3']);
    expect(rows[1]!.height_m).toBe(30);
    expect(rows[1]!.lat).toBeCloseTo(52.0911, 3);
  });

  it('turns FlatGeobuf lines into a road graph split where they cross at a shared vertex', async () => {
    const fc: FeatureCollection = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: {
            highway: 'primary',
            name: 'Oost-West',
            lanes: '2',
            maxspeed: '50',
            oneway: 'no',
          },
          geometry: {
            type: 'LineString',
            coordinates: [
              [5.12, 52.09],
              [5.121, 52.09],
              [5.122, 52.09],
            ],
          },
        },
        {
          type: 'Feature',
          properties: {
            highway: 'residential',
            name: 'Noord-Zuid',
            lanes: '',
            maxspeed: '20 mph',
            oneway: 'yes',
          },
          geometry: {
            type: 'LineString',
            coordinates: [
              [5.121, 52.089],
              [5.121, 52.09],
              [5.121, 52.091],
            ],
          },
        },
      ],
    };
    const file = writeFile(ctx.dir, 'roads.fgb', serialize(fc, 4326));
    const job = await runImport(ctx.twin, file, { layer: 'roads' });
    expect(job.error).toBeNull();
    expect(job.format).toBe('flatgeobuf');
    expect(job.counts!.accepted).toBe(2);
    const db = ctx.twin.backend.db;
    const links = await db
      .selectFrom('road_links')
      .select([
        'from_node',
        'to_node',
        'class',
        'lanes',
        'speed_limit_kmh',
        'oneway',
        'length_m',
        'name',
      ])
      .where('dataset_id', '=', job.dataset_id!)
      .orderBy('name')
      .orderBy('id')
      .execute();
    const nodes = await db
      .selectFrom('road_nodes')
      .select('id')
      .where('dataset_id', '=', job.dataset_id!)
      .execute();
    expect(links).toHaveLength(4);
    expect(nodes).toHaveLength(5);
    // Every link touches the shared crossing node.
    const degree = new Map<string, number>();
    for (const l of links)
      for (const n of [l.from_node, l.to_node]) degree.set(n, (degree.get(n) ?? 0) + 1);
    expect([...degree.values()].sort()).toEqual([1, 1, 1, 1, 4]);
    // Ordered by name: Noord-Zuid (two links), then Oost-West.
    expect(links[0]).toMatchObject({ name: 'Noord-Zuid', class: 'local', oneway: true, lanes: 1 });
    expect(links[0]!.speed_limit_kmh).toBeCloseTo(32.19, 1);
    expect(links[2]).toMatchObject({
      name: 'Oost-West',
      class: 'arterial',
      lanes: 2,
      speed_limit_kmh: 50,
      oneway: false,
    });
    // 0.001° of longitude at 52.09° N is about 68.5 m.
    expect(links[2]!.length_m).toBeGreaterThan(66);
    expect(links[2]!.length_m).toBeLessThan(71);
  });

  it('registers sensors from a CSV with longitude/latitude columns, upserting by external id', async () => {
    const file = writeFile(
      ctx.dir,
      'sensors.csv',
      'sensor_id,latitude,longitude,kind,unit\nS-1,52.09,5.12,traffic_flow,veh/h\nS-2,52.091,5.121,traffic_flow,veh/h\n',
    );
    const job = await runImport(ctx.twin, file, { layer: 'sensors', mode: 'upsert' });
    expect(job.error).toBeNull();
    expect(job.counts).toEqual({ accepted: 2, repaired: 0, rejected: 0 });
    const before = await ctx.twin.backend.db
      .selectFrom('sensors')
      .select(['id', 'external_id', 'kind', 'unit'])
      .where('external_id', 'in', ['S-1', 'S-2'])
      .orderBy('external_id')
      .execute();
    expect(before.map((s) => [s.external_id, s.kind, s.unit])).toEqual([
      ['S-1', 'traffic_flow', 'veh/h'],
      ['S-2', 'traffic_flow', 'veh/h'],
    ]);
    const again = writeFile(
      ctx.dir,
      'sensors2.csv',
      'sensor_id,latitude,longitude,kind,unit\nS-1,52.09,5.12,traffic_speed,km/h\n',
    );
    await runImport(ctx.twin, again, { layer: 'sensors', mode: 'upsert' });
    const after = await ctx.twin.backend.db
      .selectFrom('sensors')
      .select(['id', 'kind'])
      .where('external_id', '=', 'S-1')
      .executeTakeFirstOrThrow();
    expect(after).toEqual({ id: before[0]!.id, kind: 'traffic_speed' });
  });

  it('loads CSV with a WKT column and newline-delimited GeoJSON into new custom layers', async () => {
    const csv = writeFile(
      ctx.dir,
      'parcels.csv',
      'id,wkt,zone,area_ha\n1,"POLYGON((5.12 52.09,5.121 52.09,5.121 52.091,5.12 52.09))",residential,1.5\n2,"POLYGON((5.13 52.09,5.131 52.09,5.131 52.091,5.13 52.09))",park,2\n',
    );
    const job = await runImport(ctx.twin, csv, { layer: 'parcels' });
    expect(job.error).toBeNull();
    expect(job.counts!.accepted).toBe(2);
    const parcels = await sql<{
      zone: string;
      area_ha: number;
    }>`SELECT zone, area_ha FROM custom_parcels ORDER BY zone`.execute(ctx.twin.backend.db);
    expect(parcels.rows).toEqual([
      { zone: 'park', area_ha: 2 },
      { zone: 'residential', area_ha: 1.5 },
    ]);
    expect(ctx.twin.tiles.catalog.get('parcels')?.attributes).toMatchObject({
      zone: { type: 'string' },
      area_ha: { type: 'float' },
    });

    const nd = writeFile(
      ctx.dir,
      'trees.ndjson',
      [
        JSON.stringify({
          type: 'Feature',
          properties: { species: 'Tilia', height: 12 },
          geometry: { type: 'Point', coordinates: [5.121, 52.0905] },
        }),
        JSON.stringify({
          type: 'Feature',
          properties: { species: 'Quercus', height: 20 },
          geometry: { type: 'Point', coordinates: [5.122, 52.0906] },
        }),
      ].join('\n'),
    );
    const trees = await runImport(ctx.twin, nd, {
      layer: 'trees',
      mapping: ['species=upper(species)', 'height_m=height'],
    });
    expect(trees.error).toBeNull();
    const rows = await sql<{
      species: string;
      height_m: number;
    }>`SELECT species, height_m FROM custom_trees ORDER BY species`.execute(ctx.twin.backend.db);
    expect(rows.rows).toEqual([
      { species: 'QUERCUS', height_m: 20 },
      { species: 'TILIA', height_m: 12 },
    ]);
    const catalog = (await (await gisRequest(ctx.twin, '/tiles/catalog.json')).json()) as {
      layers: { name: string }[];
    };
    expect(catalog.layers.map((l) => l.name)).toEqual(
      expect.arrayContaining(['trees', 'parcels', 'buildings']),
    );
  });

  it('reads OSM PBF: buildings with heights, a routable road graph, power lines and substations', async () => {
    const n = (id: number, lon: number, lat: number, tags?: Record<string, string>) => ({
      id,
      lon,
      lat,
      tags,
    });
    const pbf = osmPbf(
      [
        n(1, 5.12, 52.09),
        n(2, 5.1202, 52.09),
        n(3, 5.1202, 52.0902),
        n(4, 5.12, 52.0902),
        n(5, 5.121, 52.09),
        n(6, 5.1212, 52.09),
        n(7, 5.1212, 52.0902),
        n(8, 5.121, 52.0902),
        n(10, 5.119, 52.091),
        n(11, 5.12, 52.091),
        n(12, 5.121, 52.091),
        n(13, 5.12, 52.092),
        n(14, 5.12, 52.093),
        n(20, 5.125, 52.095, { power: 'tower' }),
        n(21, 5.126, 52.095, { power: 'tower' }),
        n(22, 5.127, 52.095, { power: 'substation', name: 'Noord' }),
      ],
      [
        {
          id: 100,
          refs: [1, 2, 3, 4, 1],
          tags: { building: 'apartments', height: '21.5', 'building:levels': '7', min_height: '3' },
        },
        { id: 101, refs: [5, 6, 7, 8, 5], tags: { building: 'yes', 'building:levels': '3' } },
        {
          id: 200,
          refs: [10, 11, 12],
          tags: { highway: 'secondary', name: 'Dwars', maxspeed: '30 mph' },
        },
        { id: 201, refs: [11, 13, 14], tags: { highway: 'residential', oneway: '-1' } },
        { id: 202, refs: [13, 12], tags: { highway: 'footway' } },
        { id: 300, refs: [20, 21, 22], tags: { power: 'line', voltage: '110000;10000' } },
      ],
    );
    const file = writeFile(ctx.dir, 'tiny.osm.pbf', pbf);
    const b = await runImport(ctx.twin, file, { layer: 'buildings', name: 'tiny osm' });
    expect(b.error).toBeNull();
    expect(b.counts).toEqual({ accepted: 2, repaired: 0, rejected: 0 });
    const heights = await ctx.twin.backend.db
      .selectFrom('buildings')
      .select(['source_id', 'height_m', 'levels', 'min_height_m', 'use'])
      .where('dataset_id', '=', b.dataset_id!)
      .orderBy('source_id')
      .execute();
    expect(heights).toEqual([
      { source_id: 'w100', height_m: 21.5, levels: 7, min_height_m: 3, use: 'residential' },
      { source_id: 'w101', height_m: 9, levels: 3, min_height_m: null, use: 'other' },
    ]);
    const r = await runImport(ctx.twin, file, { layer: 'roads', name: 'tiny osm' });
    expect(r.error).toBeNull();
    const links = await ctx.twin.backend.db
      .selectFrom('road_links')
      .select(['source_id', 'from_node', 'to_node', 'oneway', 'class'])
      .where('dataset_id', '=', r.dataset_id!)
      .orderBy('source_id')
      .execute();
    // Way 200 splits at node 11 (shared with way 201); the footway is not a road.
    expect(links.map((l) => l.source_id)).toEqual(['w200:0', 'w200:1', 'w201:0']);
    const shared = links[0]!.to_node;
    expect(links[1]!.from_node).toBe(shared);
    // oneway=-1: drawn against the way's direction, so the link ends at the shared node.
    expect(links[2]).toMatchObject({ to_node: shared, oneway: true, class: 'local' });
    const p = await runImport(ctx.twin, file, { layer: 'power', name: 'tiny osm' });
    expect(p.error).toBeNull();
    const lines = await ctx.twin.backend.db
      .selectFrom('power_lines')
      .select(['voltage_kv'])
      .where('dataset_id', '=', p.dataset_id!)
      .execute();
    expect(lines).toEqual([{ voltage_kv: 110 }]);
    const subs = await ctx.twin.backend.db
      .selectFrom('power_nodes')
      .select(['kind', 'name'])
      .where('dataset_id', '=', p.dataset_id!)
      .where('kind', '=', 'substation')
      .execute();
    expect(subs).toEqual([{ kind: 'substation', name: 'Noord' }]);
  });

  it('reads an EPANET model with --srs: junctions, reservoir, tank, pump and pipes between them', async () => {
    const job = await runImport(ctx.twin, join(FIXTURES, 'network.inp'), {
      layer: 'water',
      srs: 'EPSG:28992',
    });
    expect(job.error).toBeNull();
    expect(job.counts).toEqual({ accepted: 10, repaired: 0, rejected: 0 });
    const nodes = await ctx.twin.backend.db
      .selectFrom('water_nodes')
      .select(['name', 'kind', 'elevation_m', 'capacity_m3'])
      .where('dataset_id', '=', job.dataset_id!)
      .orderBy('name')
      .execute();
    expect(nodes.map((x) => `${x.name}:${x.kind}`)).toEqual([
      'J1:junction',
      'J2:junction',
      'J3:junction',
      'PU1:pump',
      'R1:reservoir',
      'T1:tank',
    ]);
    expect(nodes.find((x) => x.name === 'T1')!.capacity_m3).toBeCloseTo(Math.PI * 36 * 5, 0);
    const pipes = await sql<{
      name: string;
      diameter_mm: number;
      from_name: string;
      to_name: string;
    }>`
      SELECT p.attributes->>'name' AS name, p.diameter_mm, a.name AS from_name, b.name AS to_name
      FROM water_pipes p JOIN water_nodes a ON a.id = p.from_node JOIN water_nodes b ON b.id = p.to_node
      WHERE p.dataset_id = ${job.dataset_id} ORDER BY 1`.execute(ctx.twin.backend.db);
    expect(pipes.rows).toEqual([
      { name: 'P1', diameter_mm: 300, from_name: 'R1', to_name: 'J1' },
      { name: 'P2', diameter_mm: 200, from_name: 'J1', to_name: 'J2' },
      { name: 'P3', diameter_mm: 150, from_name: 'J2', to_name: 'J3' },
      { name: 'P4', diameter_mm: 150, from_name: 'J3', to_name: 'T1' },
    ]);
  });

  it('streams a 20,000-feature GeoJSON into buildings with every feature accounted for', async () => {
    const parts: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = 5.05 + (i % 200) * 0.0005,
        y = 52.05 + Math.floor(i / 200) * 0.0004;
      parts.push(
        JSON.stringify({
          type: 'Feature',
          id: `s${i}`,
          properties: { height: 5 + (i % 30) },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [x, y],
                [x + 0.0002, y],
                [x + 0.0002, y + 0.0002],
                [x, y + 0.0002],
                [x, y],
              ],
            ],
          },
        }),
      );
    }
    const file = writeFile(
      ctx.dir,
      'many.geojson',
      `{"type":"FeatureCollection","features":[${parts.join(',\n')}]}`,
    );
    const job = await runImport(ctx.twin, file, { layer: 'buildings', name: 'many' });
    expect(job.error).toBeNull();
    expect(job.counts).toEqual({ accepted: 20_000, repaired: 0, rejected: 0 });
    const n = await sql<{
      n: string;
      h: number;
    }>`SELECT count(*) AS n, sum(height_m) AS h FROM buildings WHERE dataset_id = ${job.dataset_id}`.execute(
      ctx.twin.backend.db,
    );
    expect(Number(n.rows[0]!.n)).toBe(20_000);
    expect(Number(n.rows[0]!.h)).toBe(
      Array.from({ length: 20_000 }, (_, i) => 5 + (i % 30)).reduce((a, b) => a + b, 0),
    );
  });

  it('replaces the previous import of the same dataset, appends, or upserts by source id', async () => {
    const file = writeFile(ctx.dir, 'modes.geojson', JSON.stringify(RD_BUILDINGS));
    const count = async () =>
      Number(
        (
          await sql<{
            n: string;
          }>`SELECT count(*) AS n FROM buildings WHERE source_id IN ('B1','B2','B3')`.execute(
            ctx.twin.backend.db,
          )
        ).rows[0]!.n,
      );
    const start = await count();
    await runImport(ctx.twin, file, { layer: 'buildings', mapping: RD_MAP, name: 'modes' });
    expect(await count()).toBe(start + 3);
    await runImport(ctx.twin, file, {
      layer: 'buildings',
      mapping: RD_MAP,
      name: 'modes',
      mode: 'replace',
    });
    expect(await count()).toBe(start + 3);
    await runImport(ctx.twin, file, {
      layer: 'buildings',
      mapping: RD_MAP,
      name: 'modes',
      mode: 'append',
    });
    expect(await count()).toBe(start + 6);
    const taller = writeFile(
      ctx.dir,
      'taller.geojson',
      JSON.stringify({
        ...RD_BUILDINGS,
        features: RD_BUILDINGS.features.map((f) => ({
          ...f,
          properties: { ...f.properties, hoogte: 99 },
        })),
      }),
    );
    await runImport(ctx.twin, taller, {
      layer: 'buildings',
      mapping: RD_MAP,
      name: 'modes',
      mode: 'upsert',
    });
    expect(await count()).toBe(3);
    const heights = await sql<{
      h: number;
    }>`SELECT DISTINCT height_m AS h FROM buildings WHERE source_id IN ('B1','B2','B3')`.execute(
      ctx.twin.backend.db,
    );
    expect(heights.rows).toEqual([{ h: 99 }]);
  });
});
