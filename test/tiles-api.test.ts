import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type KyselyPlugin } from 'kysely';
import { DEFAULT_DEMO_CENTER } from '../data/seed-demo';
import { lonLatToTile, tileSpan, WORLD_HALF, type TileCoord } from '../tiles/tile-coords';
import { BACKENDS } from './support/backends';
import { fetchTile } from './support/mvt';
import { createTestTwin, type TestTwin } from './support/twin';

/** Counts statements that reach the tile database. */
function queryCounter(): KyselyPlugin & { count: number } {
  const plugin = {
    count: 0,
    transformQuery(args: Parameters<KyselyPlugin['transformQuery']>[0]) {
      plugin.count++;
      return args.node;
    },
    async transformResult(args: Parameters<KyselyPlugin['transformResult']>[0]) {
      return args.result;
    },
  };
  return plugin;
}

/** The tile at zoom z containing mercator (x, y). */
function tileAt(x: number, y: number, z: number): TileCoord {
  const span = tileSpan(z);
  return { z, x: Math.floor((x + WORLD_HALF) / span), y: Math.floor((WORLD_HALF - y) / span) };
}

/** Where mercator (x, y) falls in a tile, in tile units (extent 4096, y down). */
function local(t: TileCoord, x: number, y: number): [number, number] {
  const span = tileSpan(t.z);
  const minX = -WORLD_HALF + t.x * span;
  const maxY = WORLD_HALF - t.y * span;
  return [((x - minX) / span) * 4096, ((maxY - y) / span) * 4096];
}

const path = (layers: string, t: TileCoord) => `/tiles/${layers}/${t.z}/${t.x}/${t.y}.mvt`;

describe.each(BACKENDS)('tile server on %s', (kind) => {
  let twin: TestTwin;
  const counter = queryCounter();
  let edgeId: string;
  let insideId: string;

  beforeAll(async () => {
    twin = await createTestTwin(kind, {}, { tilePlugin: counter });
    const db = twin.backend.db;
    const ds = await db
      .insertInto('datasets')
      .values({ name: 'tile fixtures', source: 'test/tiles-api.test.ts', licence: 'CC0-1.0' })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Near (0°, 0°): a building straddling x = 0, the edge between two columns of tiles at
    // every zoom, and one well inside the eastern tile.
    const insert = (wkt: string, height: number, use: string) =>
      sql<{ id: string }>`INSERT INTO buildings (geom, height_m, levels, use, dataset_id)
        VALUES (ST_Multi(ST_GeomFromText(${wkt}, 3857)), ${height}, 3, ${use}, ${ds.id})
        RETURNING id`.execute(db);
    edgeId = String(
      (await insert('POLYGON((-10 1000, 10 1000, 10 1020, -10 1020, -10 1000))', 9.5, 'retail'))
        .rows[0]!.id,
    );
    // A land-use polygon ~2,000 km across: visible even in the z0 tile.
    await sql`INSERT INTO land_use (geom, class, name, dataset_id) VALUES (
      ST_Multi(ST_MakeEnvelope(-1000000, -1000000, 1000000, 1000000, 3857)), 'forest',
      'Fixture forest', ${ds.id})`.execute(db);
    insideId = String(
      (await insert('POLYGON((100 1100, 150 1100, 150 1150, 100 1150, 100 1100))', 21, 'office'))
        .rows[0]!.id,
    );
  });

  afterAll(async () => {
    await twin?.dispose();
  });

  it('serves a non-empty buildings tile at the demo centre at z15, with height_m and use', async () => {
    const t = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 15);
    const res = await twin.app.request(path('buildings', t), {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('application/vnd.mapbox-vector-tile');
    expect(res.headers.get('Content-Encoding')).toBe('gzip');
    expect(res.headers.get('Cache-Control')).toMatch(/public/);
    const { layers } = await fetchTile(twin.app, path('buildings', t));
    const buildings = layers.buildings!;
    expect(buildings.length).toBeGreaterThan(10);
    for (const f of buildings) {
      expect(typeof f.properties.height_m).toBe('number');
      expect(f.properties.height_m as number).toBeGreaterThan(0);
      expect([
        'residential',
        'office',
        'retail',
        'industrial',
        'civic',
        'mixed',
        'other',
      ]).toContain(f.properties.use);
      expect(f.type).toBe(3);
      expect(f.id).toBeGreaterThan(0);
    }
  });

  it('places a feature at its tile-local position', async () => {
    const t = tileAt(125, 1125, 16);
    const { layers } = await fetchTile(twin.app, path('buildings', t));
    const f = layers.buildings!.find((b) => String(b.id) === insideId)!;
    expect(f.properties).toMatchObject({ height_m: 21, use: 'office', levels: 3 });
    const xs = f.geometry[0]!.map((p) => p.x);
    const ys = f.geometry[0]!.map((p) => p.y);
    const [x0, y0] = local(t, 100, 1150);
    const [x1, y1] = local(t, 150, 1100);
    expect(Math.min(...xs)).toBeCloseTo(x0, -0.5);
    expect(Math.max(...xs)).toBeCloseTo(x1, -0.5);
    expect(Math.min(...ys)).toBeCloseTo(y0, -0.5);
    expect(Math.max(...ys)).toBeCloseTo(y1, -0.5);
  });

  it('puts a building on a tile edge in both neighbours, clipped to the buffer', async () => {
    const east = tileAt(5, 1010, 18);
    const west = { ...east, x: east.x - 1 };
    const [e, w] = await Promise.all([
      fetchTile(twin.app, path('buildings', east)),
      fetchTile(twin.app, path('buildings', west)),
    ]);
    const inEast = e.layers.buildings!.find((b) => String(b.id) === edgeId)!;
    const inWest = w.layers.buildings!.find((b) => String(b.id) === edgeId)!;
    expect(inEast).toBeDefined();
    expect(inWest).toBeDefined();
    const eastXs = inEast.geometry[0]!.map((p) => p.x);
    const westXs = inWest.geometry[0]!.map((p) => p.x);
    // At z18 the 20 m wide building spans ±10 m ≈ ±268 tile units around the shared edge,
    // more than the 64-unit buffer, so each side is clipped at the buffer.
    expect(Math.min(...eastXs)).toBe(-64);
    expect(Math.max(...eastXs)).toBeCloseTo(local(east, 10, 0)[0], -0.5);
    expect(Math.max(...westXs)).toBe(4096 + 64);
    expect(Math.min(...westXs)).toBeCloseTo(local(west, -10, 0)[0], -0.5);
  });

  it('serves the z0 tile: the whole world in one tile', async () => {
    const { status, layers } = await fetchTile(twin.app, '/tiles/land_use/0/0/0.mvt');
    expect(status).toBe(200);
    const forest = layers.land_use!.find((f) => f.properties.name === 'Fixture forest')!;
    expect(forest.properties.class).toBe('forest');
    // ±1,000 km around (0, 0) is ±102 tile units around the centre of the 4096 grid.
    const xs = forest.geometry[0]!.map((p) => p.x);
    expect(Math.min(...xs)).toBeCloseTo(2048 - 102.2, -0.5);
    expect(Math.max(...xs)).toBeCloseTo(2048 + 102.2, -0.5);
  });

  it('answers 204 with an ETag for an empty tile', async () => {
    const res = await twin.app.request('/tiles/buildings/14/0/0.mvt');
    expect(res.status).toBe(204);
    expect(res.headers.get('ETag')).toBeTruthy();
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('returns 304 for an unchanged layer without building the tile', async () => {
    const t = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 16);
    const first = await twin.app.request(path('buildings', t));
    const etag = first.headers.get('ETag')!;
    const builtBefore = twin.tiles.cache.misses;
    const again = await twin.app.request(path('buildings', t), {
      headers: { 'If-None-Match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get('ETag')).toBe(etag);
    expect(twin.tiles.cache.misses).toBe(builtBefore);
  });

  it('returns 304 for an unchanged multi-layer tile too', async () => {
    const t = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 15);
    const first = await twin.app.request(path('buildings,roads', t));
    const etag = first.headers.get('ETag')!;
    const again = await twin.app.request(path('buildings,roads', t), {
      headers: { 'If-None-Match': `"other", ${etag}` },
    });
    expect(again.status).toBe(304);
  });

  it('serves fresh content on the next request after a building is updated', async () => {
    const t = tileAt(125, 1125, 16);
    const before = await fetchTile(twin.app, path('buildings', t));
    await twin.backend.db
      .updateTable('buildings')
      .set({ height_m: 87.5, use: 'residential' })
      .where('id', '=', insideId)
      .execute();
    const after = await fetchTile(twin.app, path('buildings', t));
    expect(after.etag).not.toBe(before.etag);
    const f = after.layers.buildings!.find((b) => String(b.id) === insideId)!;
    expect(f.properties).toMatchObject({ height_m: 87.5, use: 'residential' });
    const stale = await twin.app.request(path('buildings', t), {
      headers: { 'If-None-Match': before.etag! },
    });
    expect(stale.status).toBe(200);
  });

  it.each([
    ['x beyond 2^z', '/tiles/buildings/15/32768/0.mvt'],
    ['negative y', '/tiles/buildings/15/0/-1.mvt'],
    ['fractional z', '/tiles/buildings/15.5/0/0.mvt'],
    ['non-numeric x', '/tiles/buildings/15/abc/0.mvt'],
    ['z below the layer range', '/tiles/buildings/3/0/0.mvt'],
    ['z above every range', '/tiles/buildings/23/0/0.mvt'],
  ])('answers 400 with a JSON error for %s', async (_, url) => {
    const res = await twin.app.request(url);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad_request');
    expect(body.error.message.length).toBeGreaterThan(5);
  });

  it('never lets an injection attempt in the layer name reach SQL', async () => {
    const count = await twin.backend.db
      .selectFrom('buildings')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const before = counter.count;
    for (const name of [
      'buildings;drop table buildings',
      "buildings' OR '1'='1",
      'buildings,roads;drop table roads',
      'road_links',
      'pg_catalog.pg_tables',
    ]) {
      const res = await twin.app.request(`/tiles/${encodeURIComponent(name)}/15/0/0.mvt`);
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('not_found');
      expect(body.error.message).not.toContain('drop');
    }
    expect(counter.count).toBe(before);
    const after = await twin.backend.db
      .selectFrom('buildings')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(count.n);
  });

  it('serves several layers in one tile and deduplicates repeated names', async () => {
    const t = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 15);
    const both = await fetchTile(twin.app, path('buildings,roads,buildings', t));
    expect(Object.keys(both.layers).sort()).toEqual(['buildings', 'roads']);
    const single = await fetchTile(twin.app, path('buildings', t));
    expect(both.layers.buildings!.length).toBe(single.layers.buildings!.length);
    expect(both.layers.roads!.every((f) => typeof f.properties.class === 'string')).toBe(true);
  });

  it('omits layers outside their zoom range from a combined tile', async () => {
    const t = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 10);
    const { status, layers } = await fetchTile(twin.app, path('buildings,roads', t));
    expect(status).toBe(200);
    expect(Object.keys(layers)).toEqual(['roads']);
    expect(layers.roads!.every((f) => f.properties.class === 'arterial')).toBe(true);
  });

  it('describes layers as TileJSON 3.0.0 and in the catalogue', async () => {
    const res = await twin.app.request('http://twin.test/tiles/buildings.json');
    expect(res.status).toBe(200);
    const tj = (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- read loosely, checked field by field
    expect(tj.tilejson).toBe('3.0.0');
    // The request's Host is never copied into URLs (issue #10): root-relative without TWIN_PUBLIC_URL.
    expect(tj.tiles).toEqual(['/tiles/buildings/{z}/{x}/{y}.mvt']);
    expect(tj.vector_layers[0].id).toBe('buildings');
    expect(Object.keys(tj.vector_layers[0].fields)).toContain('height_m');
    const [w, s, e, n] = tj.bounds as number[];
    expect(w).toBeLessThanOrEqual(DEFAULT_DEMO_CENTER[0]);
    expect(e).toBeGreaterThanOrEqual(DEFAULT_DEMO_CENTER[0]);
    expect(s).toBeLessThanOrEqual(DEFAULT_DEMO_CENTER[1]);
    expect(n).toBeGreaterThanOrEqual(DEFAULT_DEMO_CENTER[1]);

    const staff = { headers: await twin.as('planner') };
    const catalog = (await (await twin.app.request('/tiles/catalog.json', staff)).json()) as {
      layers: { name: string }[];
    };
    expect(catalog.layers.map((l: { name: string }) => l.name)).toEqual([
      'buildings',
      'roads',
      'water_pipes',
      'water_nodes',
      'power_lines',
      'power_nodes',
      'land_use',
    ]);
    // The public catalogue lists the public layers only (issue #9).
    const open = (await (await twin.app.request('/tiles/catalog.json')).json()) as {
      layers: { name: string }[];
    };
    expect(open.layers.map((l: { name: string }) => l.name)).toEqual([
      'buildings',
      'roads',
      'land_use',
    ]);
    expect((await twin.app.request('/tiles/nope.json')).status).toBe(404);
  });

  it('reports health and Prometheus metrics', async () => {
    const health = await twin.app.request('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: 'ok',
      backend: kind,
      checks: { database: 'ok', migrations: 'current' },
    });
    expect((await twin.app.request('/metrics')).status).toBe(401);
    const metrics = await (
      await twin.app.request('/metrics', { headers: await twin.as('admin') })
    ).text();
    expect(metrics).toMatch(/twin_tile_cache_requests_total\{result="hit"\} \d+/);
    expect(metrics).toMatch(/twin_tile_cache_requests_total\{result="miss"\} \d+/);
    expect(metrics).toMatch(
      /twin_tile_build_seconds_bucket\{le="[^"]+",layer="buildings",zoom="16"\}/,
    );
    expect(metrics).toMatch(
      /twin_http_requests_total\{method="GET",route="\/tiles\/:layers\/:z\/:x\/:y",status="200"\}/,
    );
  });
});
