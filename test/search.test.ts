import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchResponse } from '../common/api-types';
import { BACKENDS } from './support/backends';
import { misspell } from './support/misspell';
import { createTestTwin, type TestTwin } from './support/twin';

/** Find (issue #12 item 3): typo-tolerant search over the twin's own names. */
describe.each(BACKENDS)('search on %s', (kind) => {
  let twin: TestTwin;

  beforeAll(async () => {
    twin = await createTestTwin(kind);
    const ds = await twin.backend.db
      .insertInto('datasets')
      .values({ name: 'addresses', source: 'test/search.test.ts', licence: 'CC0-1.0' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await sql`INSERT INTO buildings (geom, height_m, levels, use, dataset_id, attributes)
      VALUES (ST_Multi(ST_Expand(ST_Transform(ST_SetSRID(ST_MakePoint(5.12, 52.09), 4326), 3857), 8)), 12, 4, 'retail', ${ds.id},
        '{"addr:street": "Oudegracht", "addr:housenumber": "158"}'::jsonb)`.execute(
      twin.backend.db,
    );
  });

  afterAll(async () => {
    await twin?.dispose();
  });

  const search = async (q: string, extra = '') => {
    const res = await twin.app.request(`/api/search?q=${encodeURIComponent(q)}${extra}`);
    return { status: res.status, body: (await res.json()) as SearchResponse };
  };

  /** The demo city's longest land-use name: a place no other name contains. */
  const longestPlaceName = async () =>
    (
      await sql<{ name: string }>`SELECT name FROM land_use WHERE name IS NOT NULL
        ORDER BY length(name) DESC LIMIT 1`.execute(twin.backend.db)
    ).rows[0]!.name;

  it('finds a street by a misspelt name, framing all of its links', async () => {
    const { rows } = await sql<{ name: string; n: string; w: number; e: number }>`
      SELECT name, count(*)::text AS n, ST_XMin(ST_Transform(ST_SetSRID(ST_Extent(geom), 3857), 4326)) AS w,
        ST_XMax(ST_Transform(ST_SetSRID(ST_Extent(geom), 3857), 4326)) AS e
      FROM road_links WHERE name LIKE '% Boulevard' GROUP BY name ORDER BY count(*) DESC LIMIT 1`.execute(
      twin.backend.db,
    );
    const street = rows[0]!;
    const typo = misspell(street.name);
    expect(typo).not.toBe(street.name);
    const { status, body } = await search(typo);
    expect(status).toBe(200);
    const top = body.results[0]!;
    expect(top).toMatchObject({
      kind: 'street',
      label: street.name,
      id: street.name,
      feature: null,
    });
    expect(top.score).toBeGreaterThan(0.3);
    expect(top.bbox![0]).toBeCloseTo(Number(street.w), 5);
    expect(top.bbox![2]).toBeCloseTo(Number(street.e), 5);
    // The centre lies within the frame.
    expect(top.center[0]).toBeGreaterThan(top.bbox![0]);
    expect(top.center[0]).toBeLessThan(top.bbox![2]);
  });

  it('finds places, named buildings, addresses and public sensor ids', async () => {
    const place = await longestPlaceName();
    expect((await search(misspell(place))).body.results[0]).toMatchObject({
      kind: 'place',
      label: place,
    });

    const building = (
      await sql<{
        id: string;
        name: string;
      }>`SELECT id::text, name FROM buildings WHERE name IS NOT NULL ORDER BY length(name) DESC, id LIMIT 1`.execute(
        twin.backend.db,
      )
    ).rows[0]!;
    const hit = (await search(misspell(building.name))).body.results.find(
      (r) => r.kind === 'building',
    );
    expect(hit).toMatchObject({
      label: building.name,
      feature: { layer: 'buildings', id: Number(building.id) },
    });

    const address = (await search('oudegraht 158')).body.results[0]!;
    expect(address).toMatchObject({ kind: 'address', label: 'Oudegracht 158' });
    expect(address.center[0]).toBeCloseTo(5.12, 3);

    const sensor = (
      await sql<{
        external_id: string;
      }>`SELECT external_id FROM sensors WHERE kind = 'traffic_speed' ORDER BY id LIMIT 1`.execute(
        twin.backend.db,
      )
    ).rows[0]!.external_id;
    const found = (await search(sensor)).body.results[0]!;
    expect(found).toMatchObject({ kind: 'sensor', label: sensor, score: 1, bbox: null });
  });

  it('does not list utility sensors to the public, which are staff-only; staff find them (issue #9)', async () => {
    const { body } = await search('demo-pressure');
    expect(body.results.filter((r) => r.kind === 'sensor')).toEqual([]);
    const res = await twin.app.request('/api/search?q=demo-pressure', {
      headers: await twin.as('planner'),
    });
    const staff = (await res.json()) as SearchResponse;
    const sensors = staff.results.filter((r) => r.kind === 'sensor');
    expect(sensors.length).toBeGreaterThan(0);
    expect(sensors.every((r) => r.label.startsWith('demo-pressure'))).toBe(true);
    // A staff answer stays out of shared caches; the public one may be shared.
    expect(res.headers.get('Cache-Control')).toMatch(/^private/);
    expect(
      (await twin.app.request('/api/search?q=demo-pressure')).headers.get('Cache-Control'),
    ).toMatch(/^public/);
  });

  it('finds nothing in a layer the caller may not see (a layer GIS staff made staff)', async () => {
    const place = await longestPlaceName();
    const gis = await twin.as('gis');
    const patch = (access: string) =>
      twin.app.request('/api/layers/land_use', {
        method: 'PATCH',
        headers: { ...gis, 'Content-Type': 'application/json' },
        body: JSON.stringify({ access }),
      });
    expect((await patch('staff')).status).toBe(200);
    try {
      expect((await search(place)).body.results.filter((r) => r.kind === 'place')).toEqual([]);
      const staff = (await (
        await twin.app.request(`/api/search?q=${encodeURIComponent(place)}`, {
          headers: await twin.as('planner'),
        })
      ).json()) as SearchResponse;
      expect(staff.results[0]).toMatchObject({ kind: 'place', label: place });
    } finally {
      expect((await patch('public')).status).toBe(200);
    }
  });

  it('ranks the closest name first and keeps to the limit', async () => {
    const { body } = await search('Street', '&limit=5');
    expect(body.results.length).toBe(5);
    const scores = body.results.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect((await search('zzqxj vvv')).body.results).toEqual([]);
  });

  it.each([
    'q=',
    'q=a',
    `q=${'x'.repeat(101)}`,
    'q=ab&limit=0',
    'q=ab&limit=100',
    'q=a%00b',
    'limit=3',
  ])('refuses a bad query (%s) with 400', async (query) => {
    const res = await twin.app.request(`/api/search?${query}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request');
  });

  it('treats LIKE wildcards in the query as plain text', async () => {
    const { status, body } = await search('%_%_');
    expect(status).toBe(200);
    expect(body.results).toEqual([]);
  });
});
