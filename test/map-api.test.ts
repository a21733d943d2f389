import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureResponse, LabelsResponse } from '../common/api-types';
import { DEFAULT_DEMO_CENTER } from '../data/seed-demo';
import { BACKENDS } from './support/backends';
import { createTestTwin, type TestTwin } from './support/twin';

/** The routes behind the map page: feature inspection, labels and the basemap style. */
describe.each(BACKENDS)('map API on %s', (kind) => {
  let twin: TestTwin;
  let buildingId: string;

  beforeAll(async () => {
    twin = await createTestTwin(kind);
    const row = await twin.backend.db
      .selectFrom('buildings')
      .select(['id'])
      .orderBy('height_m', 'desc')
      .limit(1)
      .executeTakeFirstOrThrow();
    buildingId = row.id;
  });

  afterAll(async () => {
    await twin?.dispose();
  });

  const json = async <T>(path: string) => {
    const res = await twin.app.request(`http://twin.test${path}`);
    return { status: res.status, body: (await res.json()) as T };
  };

  it('answers a feature with all its columns, WGS84 geometry and its dataset', async () => {
    const { status, body } = await json<FeatureResponse>(`/api/features/buildings/${buildingId}`);
    expect(status).toBe(200);
    expect(body.layer).toBe('buildings');
    expect(body.id).toBe(Number(buildingId));
    expect(body.properties).toMatchObject({ id: Number(buildingId) });
    expect(body.properties).not.toHaveProperty('geom');
    expect(typeof body.properties.height_m).toBe('number');
    expect(typeof body.properties.attributes).toBe('object');
    expect(body.geometry.type).toBe('MultiPolygon');
    const [lon, lat] = (body.geometry.coordinates as number[][][][])[0]![0]![0]!;
    expect(Math.abs(lon! - DEFAULT_DEMO_CENTER[0])).toBeLessThan(0.2);
    expect(Math.abs(lat! - DEFAULT_DEMO_CENTER[1])).toBeLessThan(0.2);
    expect(body.dataset).toMatchObject({
      name: expect.any(String),
      source: expect.any(String),
      licence: expect.any(String),
    });
    expect(new Date(body.dataset.imported_at).toISOString()).toBe(body.dataset.imported_at);
  });

  it('reads layer tables from the catalogue: roads are road_links', async () => {
    const link = await twin.backend.db
      .selectFrom('road_links')
      .select(['id', 'class'])
      .limit(1)
      .executeTakeFirstOrThrow();
    const { status, body } = await json<FeatureResponse>(`/api/features/roads/${link.id}`);
    expect(status).toBe(200);
    expect(body.properties.class).toBe(link.class);
    expect(body.geometry.type).toBe('LineString');
  });

  it.each([
    ['an unknown layer', '/api/features/castles/1', 404, 'not_found'],
    ['a table that is not a layer', '/api/features/road_links/1', 404, 'not_found'],
    ['an id with no feature', '/api/features/buildings/999999999', 404, 'not_found'],
    ['a non-numeric id', '/api/features/buildings/abc', 400, 'bad_request'],
    ['id zero', '/api/features/buildings/0', 400, 'bad_request'],
    ['a negative id', '/api/features/buildings/-3', 400, 'bad_request'],
    ['an id beyond bigint', '/api/features/buildings/99999999999999999999', 400, 'bad_request'],
    [
      'an injection attempt',
      `/api/features/buildings/${encodeURIComponent('1 OR 1=1')}`,
      400,
      'bad_request',
    ],
  ])('answers %s with a JSON error', async (_, path, status, code) => {
    const res = await json<{ error: { code: string; message: string } }>(path);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });

  it('gives one label per street name in view and named places, by zoom', async () => {
    const [lon, lat] = DEFAULT_DEMO_CENTER;
    const near = `${lon - 0.01},${lat - 0.006},${lon + 0.01},${lat + 0.006}`;
    const street = await json<LabelsResponse>(`/api/labels?bbox=${near}&zoom=16`);
    expect(street.status).toBe(200);
    const names = street.body.streets.map((s) => s.name);
    expect(names.length).toBeGreaterThan(5);
    expect(new Set(names).size).toBe(names.length);
    for (const s of street.body.streets) {
      expect(s.position[0]).toBeGreaterThan(lon - 0.011);
      expect(s.position[0]).toBeLessThan(lon + 0.011);
      expect(s.azimuth).toBeGreaterThanOrEqual(0);
      expect(s.azimuth).toBeLessThanOrEqual(360);
    }
    expect(street.body.places.length).toBeGreaterThan(0);

    const city = await json<LabelsResponse>(
      `/api/labels?bbox=${lon - 0.06},${lat - 0.04},${lon + 0.06},${lat + 0.04}&zoom=12`,
    );
    const classes = new Set(city.body.streets.map((s) => s.class));
    expect([...classes].every((c) => ['motorway', 'trunk', 'arterial'].includes(c))).toBe(true);
    expect(city.body.places.map((p) => p.class)).toContain('water');
  });

  it.each(['', 'bbox=1,2,3', 'bbox=5,52,4,53', 'bbox=a,b,c,d', 'bbox=0,86,1,89', 'bbox=0,-91,1,0'])(
    'refuses a bad label query (%s) with 400',
    async (query) => {
      const res = await twin.app.request(`/api/labels?${query}`);
      expect(res.status).toBe(400);
    },
  );

  it('builds the basemap style from the catalogue with sources on the request origin only', async () => {
    const { status, body } = await json<{
      version: number;
      sources: Record<string, { url: string }>;
      layers: { id: string; source?: string; 'source-layer'?: string }[];
      glyphs?: string;
      sprite?: string;
      metadata: Record<string, unknown>;
    }>('/styles/city.json');
    expect(status).toBe(200);
    expect(body.version).toBe(8);
    expect(body.glyphs).toBeUndefined();
    expect(body.sprite).toBeUndefined();
    // Nothing off the twin: no absolute URL at all without TWIN_PUBLIC_URL (the Host is never
    // copied, issue #10), every source root-relative on /tiles/.
    expect(JSON.stringify(body).match(/https?:\/\/[^"]+/g) ?? []).toEqual([]);
    const urls = Object.values(body.sources)
      .map((s) => s.url)
      .filter(Boolean);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.every((u) => u.startsWith('/tiles/'))).toBe(true);
    for (const layer of body.layers.filter((l) => l.source)) {
      expect(body.sources[layer.source!]).toBeDefined();
      expect(layer['source-layer']).toBe(layer.source);
    }
    const ids = body.layers.map((l) => l.id);
    expect(ids).toEqual(expect.arrayContaining(['land-use', 'water', 'building-footprints']));
    expect(ids.some((id) => id.startsWith('road-casing-'))).toBe(true);
    expect(ids.some((id) => id.startsWith('road-fill-'))).toBe(true);
    // The TileJSON each source names is served.
    const tilejson = await twin.app.request(
      new URL(body.sources.land_use!.url, 'http://localhost').pathname,
    );
    expect(tilejson.status).toBe(200);
    expect((await twin.app.request('/styles/other.json')).status).toBe(404);
  });
});
