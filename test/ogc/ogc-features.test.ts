import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { CONFORMANCE } from '../../server/ogc/ogc-routes';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';

interface Link {
  href: string;
  rel: string;
  type?: string;
  templated?: boolean;
}
interface Fc {
  type: string;
  numberMatched: number;
  numberReturned: number;
  timeStamp: string;
  links: Link[];
  features: {
    id: number;
    geometry: { type: string; coordinates: unknown };
    properties: Record<string, unknown>;
  }[];
}

const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const EPSG = (n: number) => `http://www.opengis.net/def/crs/EPSG/0/${n}`;
const [LON, LAT] = DEFAULT_DEMO_CENTER;
/** About 700 × 450 m around the demo city's centre, west, south, east, north. */
const BOX = [LON - 0.005, LAT - 0.002, LON + 0.005, LAT + 0.002];
const count = (r: { rows: { n: string }[] }) => Number(r.rows[0]!.n);

/** The first position of a GeoJSON geometry. */
function firstPosition(c: unknown): number[] {
  let v = c;
  while (Array.isArray(v) && Array.isArray(v[0])) v = v[0];
  return v as number[];
}

describe.each(BACKENDS)('OGC API – Features on %s (issue #15)', (kind) => {
  let twin: TestTwin;
  let inBox = 0;
  const get = async (path: string, headers: Record<string, string> = {}) =>
    twin.app.request(path, { headers });
  const json = async <T = Record<string, unknown>>(
    path: string,
    headers: Record<string, string> = {},
  ) => {
    const res = await get(path, headers);
    expect(res.status, path).toBe(200);
    return { res, body: (await res.json()) as T };
  };
  /** Follows an absolute link in-process. */
  const follow = (href: string) => new URL(href).pathname + new URL(href).search;

  beforeAll(async () => {
    twin = await createTestTwin(kind);
    inBox = count(
      await sql<{ n: string }>`SELECT count(*)::text AS n FROM buildings
      WHERE ST_Intersects(geom, ST_Transform(ST_MakeEnvelope(${BOX[0]}, ${BOX[1]}, ${BOX[2]}, ${BOX[3]}, 4326), 3857))`.execute(
        twin.backend.db,
      ),
    );
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  it('answers the landing page with self, alternate, service-desc, conformance and data links', async () => {
    const { res, body } = await json<{ title: string; links: Link[] }>('/ogc');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const rel = (r: string) => body.links.find((l) => l.rel === r);
    for (const r of ['self', 'alternate', 'service-desc', 'service-doc', 'conformance', 'data'])
      expect(rel(r), r).toBeDefined();
    for (const l of body.links) {
      expect(l.href).toMatch(/^http:\/\//);
      expect(l.type).toBeTruthy();
    }
    expect(rel('self')!.type).toBe('application/json');
    expect(rel('alternate')!.type).toBe('text/html');
    const desc = await json<{ openapi: string; paths: Record<string, unknown> }>(
      follow(rel('service-desc')!.href),
    );
    expect(desc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(desc.body.paths)).toContain('/ogc/collections/{collectionId}/items');
    expect((await get(follow(rel('data')!.href))).status).toBe(200);
  });

  it('declares the conformance classes the tests prove, and no others', async () => {
    const { body } = await json<{ conformsTo: string[] }>('/ogc/conformance');
    expect(body.conformsTo).toEqual([...CONFORMANCE]);
    expect(body.conformsTo).not.toContain(
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
    );
  });

  it('lists only public layers to the public and staff layers to planners, with extent and CRSs', async () => {
    type Cols = {
      collections: {
        id: string;
        extent: {
          spatial?: { bbox: number[][]; crs: string };
          temporal?: { interval: string[][] };
        };
        crs: string[];
        storageCrs: string;
        links: Link[];
      }[];
    };
    const anon = (await json<Cols>('/ogc/collections')).body.collections;
    expect(anon.map((c) => c.id).sort()).toEqual(['buildings', 'land_use', 'roads']);
    const staff = (
      await json<Cols>('/ogc/collections', await twin.as('planner'))
    ).body.collections.map((c) => c.id);
    expect(staff).toEqual(
      expect.arrayContaining([
        'buildings',
        'roads',
        'land_use',
        'water_pipes',
        'water_nodes',
        'power_lines',
        'power_nodes',
      ]),
    );
    const b = anon.find((c) => c.id === 'buildings')!;
    const [w, s, e, n] = b.extent.spatial!.bbox[0]!;
    expect(b.extent.spatial!.crs).toBe(CRS84);
    expect(w).toBeLessThan(LON);
    expect(e).toBeGreaterThan(LON);
    expect(s).toBeLessThan(LAT);
    expect(n).toBeGreaterThan(LAT);
    expect(b.crs).toEqual(expect.arrayContaining([CRS84, EPSG(4326), EPSG(3857)]));
    expect(b.storageCrs).toBe(EPSG(3857));
    const years = await sql<{
      a: number;
      b: number;
    }>`SELECT min(year_built) AS a, max(year_built) AS b FROM buildings`.execute(twin.backend.db);
    expect(b.extent.temporal!.interval[0]).toEqual([
      `${years.rows[0]!.a}-01-01T00:00:00Z`,
      `${years.rows[0]!.b}-12-31T23:59:59Z`,
    ]);
    expect(anon.find((c) => c.id === 'roads')!.extent.temporal).toBeUndefined();
    const items = b.links.find((l) => l.rel === 'items' && l.type === 'application/geo+json');
    expect(items?.href).toMatch(/\/ogc\/collections\/buildings\/items/);
  });

  it('answers a staff collection 401 to the public, 200 to a planner, and 404 for an unknown one', async () => {
    for (const p of [
      '/ogc/collections/water_pipes',
      '/ogc/collections/water_pipes/items',
      '/ogc/collections/power_nodes/tiles',
    ]) {
      const res = await get(p);
      expect(res.status, p).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      expect((await get(p, await twin.as('planner'))).status, p).toBe(200);
    }
    expect((await get('/ogc/collections/nope')).status).toBe(404);
    expect((await get('/ogc/collections/nope/items')).status).toBe(404);
  });

  it('pages items 10 at a time by default, with numberMatched, numberReturned, timeStamp and Content-Crs', async () => {
    const total = count(
      await sql<{ n: string }>`SELECT count(*)::text AS n FROM land_use`.execute(twin.backend.db),
    );
    const { res, body } = await json<Fc>('/ogc/collections/land_use/items');
    expect(res.headers.get('content-type')).toBe('application/geo+json');
    expect(res.headers.get('content-crs')).toBe(`<${CRS84}>`);
    expect(body.type).toBe('FeatureCollection');
    expect(body.numberMatched).toBe(total);
    expect(body.numberReturned).toBe(10);
    expect(body.features).toHaveLength(10);
    expect(Date.now() - Date.parse(body.timeStamp)).toBeLessThan(60_000);
    const rels = body.links.map((l) => `${l.rel} ${l.type}`);
    expect(rels).toEqual(
      expect.arrayContaining([
        'self application/geo+json',
        'alternate text/html',
        'next application/geo+json',
        'collection application/json',
      ]),
    );
    expect(Object.keys(body.features[0]!.properties)).toEqual([
      'class',
      'name',
      'max_height_m',
      'source_id',
      'dataset_id',
      'attributes',
    ]);
    const [lon, lat] = firstPosition(body.features[0]!.geometry.coordinates);
    expect(Math.abs(lon! - LON)).toBeLessThan(0.2);
    expect(Math.abs(lat! - LAT)).toBeLessThan(0.2);
  });

  it('returns every feature in a bbox exactly once when following next links until they end', async () => {
    expect(inBox).toBeGreaterThan(60);
    const seen: number[] = [];
    let path: string | undefined =
      `/ogc/collections/buildings/items?bbox=${BOX.join(',')}&limit=25`;
    let pages = 0;
    while (path) {
      const body: Fc = (await json<Fc>(path)).body;
      expect(body.numberMatched).toBe(inBox);
      expect(body.numberReturned).toBe(body.features.length);
      seen.push(...body.features.map((f) => f.id));
      const next: Link | undefined = body.links.find((l) => l.rel === 'next');
      path = next ? follow(next.href) : undefined;
      if (pages++ > 0) expect(body.links.find((l) => l.rel === 'prev')).toBeDefined();
    }
    expect(pages).toBe(Math.ceil(inBox / 25));
    expect(new Set(seen).size).toBe(seen.length);
    const ids = await sql<{ id: string }>`SELECT id::text AS id FROM buildings
      WHERE ST_Intersects(geom, ST_Transform(ST_MakeEnvelope(${BOX[0]}, ${BOX[1]}, ${BOX[2]}, ${BOX[3]}, 4326), 3857)) ORDER BY id`.execute(
      twin.backend.db,
    );
    expect(seen).toEqual(ids.rows.map((r) => Number(r.id)));
  });

  it('reads a bbox in EPSG:4326 (latitude first) and EPSG:3857 as the same area as in CRS84', async () => {
    const ids = async (q: string) =>
      (await json<Fc>(`/ogc/collections/buildings/items?limit=1000&${q}`)).body.features.map(
        (f) => f.id,
      );
    const crs84 = await ids(`bbox=${BOX.join(',')}`);
    expect(crs84).toHaveLength(inBox);
    expect(
      await ids(`bbox=${[BOX[1], BOX[0], BOX[3], BOX[2]].join(',')}&bbox-crs=${EPSG(4326)}`),
    ).toEqual(crs84);
    const { rows } = await sql<{ x1: number; y1: number; x2: number; y2: number }>`
      SELECT ST_XMin(e) AS x1, ST_YMin(e) AS y1, ST_XMax(e) AS x2, ST_YMax(e) AS y2
      FROM (SELECT ST_Transform(ST_MakeEnvelope(${BOX[0]}, ${BOX[1]}, ${BOX[2]}, ${BOX[3]}, 4326), 3857) AS e) s`.execute(
      twin.backend.db,
    );
    const m = rows[0]!;
    expect(await ids(`bbox=${[m.x1, m.y1, m.x2, m.y2].join(',')}&bbox-crs=[EPSG:3857]`)).toEqual(
      crs84,
    );
  });

  it('reads a CRS84 bbox that crosses the antimeridian as the two boxes either side of it', async () => {
    const db = twin.backend.db;
    const ds = await db
      .insertInto('datasets')
      .values({ name: 'antimeridian', source: 'test/ogc', licence: 'CC0-1.0' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const at = (lon: number) =>
      sql<{ id: string }>`INSERT INTO buildings (geom, height_m, use, dataset_id)
      VALUES (ST_Multi(ST_Transform(ST_Buffer(ST_SetSRID(ST_MakePoint(${lon}, 0.05), 4326), 0.001), 3857)), 5, 'other', ${ds.id}) RETURNING id`.execute(
        db,
      );
    const east = Number((await at(179.95)).rows[0]!.id);
    const west = Number((await at(-179.95)).rows[0]!.id);
    const ids = async (bbox: string) =>
      (await json<Fc>(`/ogc/collections/buildings/items?bbox=${bbox}`)).body.features
        .map((f) => f.id)
        .sort();
    expect(await ids('179.9,0,-179.9,0.1')).toEqual([east, west].sort());
    expect(await ids('179.9,0,180,0.1')).toEqual([east]);
    expect(await ids('-180,0,-179.9,0.1')).toEqual([west]);
    await sql`DELETE FROM buildings WHERE dataset_id = ${ds.id}`.execute(db);
  });

  it('transforms coordinates for crs=EPSG:3857, EPSG:4326 (latitude first) and EPSG:28992, saying so in Content-Crs', async () => {
    const { rows } = await sql<{
      id: string;
      g: string;
      rd: string;
    }>`SELECT id::text AS id, ST_AsGeoJSON(geom, 3) AS g,
      ST_AsGeoJSON(ST_Transform(geom, 28992), 3) AS rd FROM buildings ORDER BY id LIMIT 1`.execute(
      twin.backend.db,
    );
    const db = rows[0]!;
    const merc = await json<Fc>(`/ogc/collections/buildings/items?limit=1&crs=${EPSG(3857)}`);
    expect(merc.res.headers.get('content-crs')).toBe(`<${EPSG(3857)}>`);
    expect(merc.body.features[0]!.id).toBe(Number(db.id));
    expect(merc.body.features[0]!.geometry).toEqual(JSON.parse(db.g));
    const rd = await json<Fc>(`/ogc/collections/buildings/items?limit=1&crs=${EPSG(28992)}`);
    expect(rd.body.features[0]!.geometry).toEqual(JSON.parse(db.rd));
    const [x, y] = firstPosition(rd.body.features[0]!.geometry.coordinates);
    // Utrecht in RD New: about (136 000, 456 000).
    expect(Math.abs(x! - 136_000)).toBeLessThan(10_000);
    expect(Math.abs(y! - 456_000)).toBeLessThan(10_000);
    const wgs = await json<Fc['features'][0]>(
      `/ogc/collections/buildings/items/${db.id}?crs=${EPSG(4326)}`,
    );
    expect(wgs.res.headers.get('content-crs')).toBe(`<${EPSG(4326)}>`);
    const [lat, lon] = firstPosition(wgs.body.geometry.coordinates);
    expect(Math.abs(lat! - LAT)).toBeLessThan(0.1);
    expect(Math.abs(lon! - LON)).toBeLessThan(0.1);
  });

  it('filters by datetime on year_built and by queryable properties', async () => {
    const db = twin.backend.db;
    const since = count(
      await sql<{
        n: string;
      }>`SELECT count(*)::text AS n FROM buildings WHERE year_built >= 2000`.execute(db),
    );
    expect(since).toBeGreaterThan(0);
    const a = await json<Fc>(
      '/ogc/collections/buildings/items?datetime=2000-01-01T00:00:00Z/..&limit=1',
    );
    expect(a.body.numberMatched).toBe(since);
    const y1990 = count(
      await sql<{
        n: string;
      }>`SELECT count(*)::text AS n FROM buildings WHERE year_built = 1990`.execute(db),
    );
    expect(
      (await json<Fc>('/ogc/collections/buildings/items?datetime=1990-05-01&limit=1')).body
        .numberMatched,
    ).toBe(y1990);
    const offices = count(
      await sql<{
        n: string;
      }>`SELECT count(*)::text AS n FROM buildings WHERE use = 'office'`.execute(db),
    );
    expect(offices).toBeGreaterThan(0);
    const o = await json<Fc>('/ogc/collections/buildings/items?use=office&limit=5');
    expect(o.body.numberMatched).toBe(offices);
    expect(o.body.features.every((f) => f.properties.use === 'office')).toBe(true);
    const next = o.body.links.find((l) => l.rel === 'next')!;
    expect(new URL(next.href).searchParams.get('use')).toBe('office');
    const arterial = count(
      await sql<{
        n: string;
      }>`SELECT count(*)::text AS n FROM road_links WHERE class = 'arterial' AND lanes = 2`.execute(
        db,
      ),
    );
    expect(
      (await json<Fc>('/ogc/collections/roads/items?class=arterial&lanes=2&limit=1')).body
        .numberMatched,
    ).toBe(arterial);
  });

  it('caps limit at 10000', async () => {
    const { body } = await json<Fc>('/ogc/collections/buildings/items?limit=20000');
    expect(body.numberMatched).toBeGreaterThan(10_000);
    expect(body.numberReturned).toBe(10_000);
  });

  it('answers 400 for bad parameters and 404 for an unknown feature', async () => {
    for (const q of [
      'limit=0',
      'limit=ten',
      'offset=-1',
      'bbox=1,2,3',
      'bbox=5,52,4,53&bbox-crs=' + EPSG(3857),
      'bbox=0,60,1,50',
      'crs=EPSG:9999',
      'bbox-crs=urn:nope',
      'datetime=yesterday',
      'datetime=../..',
      'f=xml',
      'colour=red',
      'levels=three',
      'limit=1&limit=2',
    ]) {
      const res = await get(`/ogc/collections/buildings/items?${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code, q).toBe('bad_request');
    }
    expect((await get('/ogc/collections/buildings/items/999999999')).status).toBe(404);
    expect((await get('/ogc/collections/buildings/items/abc')).status).toBe(404);
    expect((await get('/ogc/collections/buildings/items/1?limit=3')).status).toBe(400);
  });

  it('answers one feature with the same properties as the database, and links', async () => {
    const { rows } = await sql<{ id: string; height_m: number; use: string; dataset_id: string }>`
      SELECT id::text AS id, height_m, use, dataset_id::text AS dataset_id FROM buildings ORDER BY id DESC LIMIT 1`.execute(
      twin.backend.db,
    );
    const r = rows[0]!;
    const { res, body } = await json<{
      type: string;
      id: number;
      properties: Record<string, unknown>;
      links: Link[];
    }>(`/ogc/collections/buildings/items/${r.id}`);
    expect(res.headers.get('content-type')).toBe('application/geo+json');
    expect(body.type).toBe('Feature');
    expect(body.id).toBe(Number(r.id));
    expect(body.properties.height_m).toBeCloseTo(Number(r.height_m), 6);
    expect(body.properties.use).toBe(r.use);
    expect(body.properties.dataset_id).toBe(Number(r.dataset_id));
    expect(body.links.map((l) => l.rel)).toEqual(
      expect.arrayContaining(['self', 'alternate', 'collection']),
    );
  });

  it('answers HTML for f=html and for a browser Accept header', async () => {
    for (const p of [
      '/ogc?f=html',
      '/ogc/conformance?f=html',
      '/ogc/collections?f=html',
      '/ogc/collections/buildings?f=html',
      '/ogc/collections/buildings/items?f=html&limit=3',
      '/ogc/collections/buildings/items/1?f=html',
      '/ogc/collections/buildings/tiles/WebMercatorQuad?f=html',
      '/ogc/tileMatrixSets?f=html',
    ]) {
      const res = await get(p);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type'), p).toMatch(/^text\/html/);
      expect(await res.text(), p).toMatch(/^<!doctype html>/);
    }
    const items = await (await get('/ogc/collections/buildings/items?f=html&limit=3')).text();
    expect(items).toMatch(
      /<td><a href="[^"]+\/ogc\/collections\/buildings\/items\/\d+\?f=html">\d+<\/a><\/td>/,
    );
    expect(items).toMatch(/<a href="[^"]+offset=3[^"]*">Next page<\/a>/);
    const browser = await get('/ogc/collections', {
      Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    });
    expect(browser.headers.get('content-type')).toMatch(/^text\/html/);
    const gdal = await get('/ogc/collections', { Accept: 'application/json' });
    expect(gdal.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
