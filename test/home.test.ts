import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LabelsResponse, MapHome } from '../common/api-types';
import { DEFAULT_DEMO_CENTER } from '../data/seed-demo';
import { BACKENDS } from './support/backends';
import { createTestTwin, type TestTwin } from './support/twin';

/** Midtown Manhattan, 5,900 km from the demo city. */
const FAR = { lon: -73.985, lat: 40.748 };

/** Where the map opens (issue #10 item 7): a configured home, or the densest cluster of the data. */
describe.each(BACKENDS)('map home on %s', (kind) => {
  let twin: TestTwin;

  beforeAll(async () => {
    twin = await createTestTwin(kind);
  });

  afterAll(async () => {
    await twin?.dispose();
  });

  const home = async (t = twin) => {
    const res = await t.app.request('/api/home');
    expect(res.status).toBe(200);
    return (await res.json()) as MapHome;
  };

  const contains = (b: [number, number, number, number], [lon, lat]: readonly number[]) =>
    b[0] <= lon! && lon! <= b[2] && b[1] <= lat! && lat! <= b[3];

  /** A grid of `n` × `n` small buildings `step` metres apart (web mercator) around FAR. */
  const farCity = async (n: number, step: number) => {
    const ds = await twin.backend.db
      .insertInto('datasets')
      .values({ name: `far city ${n}x${n}`, source: 'test/home.test.ts', licence: 'CC0-1.0' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`INSERT INTO buildings (geom, height_m, levels, use, dataset_id)
      SELECT ST_Multi(ST_Expand(ST_Translate(c, i * ${step}::float8, j * ${step}::float8), 4)), 10, 3, 'residential', ${ds.id}
      FROM ST_Transform(ST_SetSRID(ST_MakePoint(${FAR.lon}, ${FAR.lat}), 4326), 3857) AS c,
        generate_series(0, ${n - 1}::int) AS i, generate_series(0, ${n - 1}::int) AS j`.execute(
      twin.backend.db,
    );
  };

  it('opens on the demo city, framing it', async () => {
    const h = await home();
    expect(h.source).toBe('densest');
    expect(h.zoom).toBeNull();
    expect(contains(h.bounds!, DEFAULT_DEMO_CENTER)).toBe(true);
    // About the city's size (≈ 8 km across), not a continent.
    expect(h.bounds![2] - h.bounds![0]).toBeLessThan(0.3);
    // The city's time zone, looked up offline from where it is (Utrecht).
    expect(h.time_zone).toBe('Europe/Amsterdam');
  });

  it('stays on one city when another, sparser one is imported far away', async () => {
    await farCity(30, 200); // 900 buildings over 6 km: ≤ 25 per cell, sparser than the demo's core
    const h = await home();
    expect(contains(h.bounds!, DEFAULT_DEMO_CENTER)).toBe(true);
    expect(contains(h.bounds!, [FAR.lon, FAR.lat])).toBe(false);
  });

  it('moves to the other city once it is the denser one, never onto the ocean between', async () => {
    await farCity(60, 12); // 3,600 buildings in 720 m: denser than any demo cell
    const h = await home();
    expect(contains(h.bounds!, [FAR.lon + 0.003, FAR.lat + 0.003])).toBe(true);
    expect(contains(h.bounds!, DEFAULT_DEMO_CENTER)).toBe(false);
    expect(h.bounds![2] - h.bounds![0]).toBeLessThan(1);
  });

  it('answers labels for a view outside the demo city with 200 and nothing in it', async () => {
    const res = await twin.app.request('/api/labels?bbox=-120.1,-40.2,-119.9,-40.0&zoom=15');
    expect(res.status).toBe(200);
    expect((await res.json()) as LabelsResponse).toEqual({ streets: [], places: [] });
    // A pitched view's bounds reach web mercator's limit: clamped, not refused.
    expect(
      (await twin.app.request('/api/labels?bbox=5.0,52.0,5.2,85.0511287798&zoom=9')).status,
    ).toBe(200);
  });

  it('opens on TWIN_HOME when it is set, in TWIN_TIME_ZONE when that is set', async () => {
    const configured = await createTestTwin(kind, {
      TWIN_HOME: '4.9,52.37,14.5',
      TWIN_TIME_ZONE: 'America/New_York',
    });
    try {
      const h = await home(configured);
      expect(h).toMatchObject({
        source: 'config',
        center: [4.9, 52.37],
        zoom: 14.5,
        time_zone: 'America/New_York',
      });
      expect(contains(h.bounds!, [4.9, 52.37])).toBe(true);
    } finally {
      await configured.dispose();
    }
  });
});
