import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import { requestJson, square, type Json } from '../support/requests';

describe.each(BACKENDS)('scenario API on %s', (kind) => {
  let twin: TestTwin;
  /** As a planner (issue #9: scenarios are planners'; this one owns every scenario here). */
  const req = async (path: string, init: RequestInit = {}) =>
    twin.app.request(path, {
      ...init,
      headers: { ...(await twin.as('planner')), ...(init.headers as Record<string, string>) },
    });
  const call = (method: string, path: string, body?: unknown) =>
    requestJson(req, {}, method, path, body);
  /** A point near the demo centre with no building within 25 m, where the tower goes. */
  let site: { lon: number; lat: number };
  let baselineFingerprint: string;

  const fingerprint = async () => {
    const { rows } = await sql<{ f: string }>`
      SELECT (SELECT count(*) FROM buildings)::text || '/' || (SELECT sum(height_m)::numeric(14,1) FROM buildings)::text
        || '/' || (SELECT count(*) FROM road_links WHERE true)::text || '/' || (SELECT sum(capacity_veh_h)::numeric(14,1) FROM road_links)::text
        || '/' || (SELECT string_agg(layer || '=' || version, ',' ORDER BY layer) FROM layer_versions) AS f`.execute(
      twin.backend.db,
    );
    return rows[0]!.f;
  };

  beforeAll(async () => {
    twin = await createTestTwin(kind);
    const [lon, lat] = DEFAULT_DEMO_CENTER;
    const { rows } = await sql<{ lon: number; lat: number }>`
      SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
        SELECT ST_Transform(n.geom, 4326) AS p, n.geom FROM road_nodes n
        WHERE NOT EXISTS (SELECT 1 FROM buildings b WHERE ST_DWithin(b.geom, n.geom, 40))
          AND EXISTS (SELECT 1 FROM buildings b WHERE ST_DWithin(b.geom, n.geom, 120))
        ORDER BY n.geom <-> ST_Transform(ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), 3857) LIMIT 1) AS q`.execute(
      twin.backend.db,
    );
    site = { lon: Number(rows[0]!.lon), lat: Number(rows[0]!.lat) };
    baselineFingerprint = await fingerprint();
  });

  afterAll(async () => {
    await twin?.dispose();
  });

  it('creates, lists, renames, duplicates and deletes scenarios', async () => {
    const created = await call('POST', '/api/scenarios', {
      name: 'Towers by the station',
      description: 'draft',
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'Towers by the station',
      status: 'draft',
      version: 1,
      edits: [],
    });
    const id = created.json.id as string;

    const list = await call('GET', '/api/scenarios');
    expect(list.json.scenarios.map((s: Json) => s.id)).toContain(id);

    const renamed = await call('PATCH', `/api/scenarios/${id}`, {
      name: 'Station towers',
      status: 'draft',
    });
    expect(renamed.json.name).toBe('Station towers');

    const edit = await call('POST', `/api/scenarios/${id}/edits`, {
      kind: 'add_building',
      geometry: square(site.lon, site.lat, 20),
      floors: 5,
      use: 'office',
    });
    expect(edit.status).toBe(201);
    expect(edit.json.version).toBe(2);

    const dup = await call('POST', `/api/scenarios/${id}/duplicate`, { name: 'Branch' });
    expect(dup.status).toBe(201);
    expect(dup.json.parent_id).toBe(id);
    expect(dup.json.edits).toHaveLength(1);
    expect(dup.json.edits[0]).toMatchObject({ kind: 'add_building', floors: 5, use: 'office' });

    const published = await call('PATCH', `/api/scenarios/${id}`, { status: 'published' });
    expect(published.json.status).toBe('published');
    const refused = await call('POST', `/api/scenarios/${id}/edits`, {
      kind: 'demolish_building',
      buildingId: 1,
    });
    expect(refused.status).toBe(400);
    expect(refused.json.error.message).toMatch(/published/);

    expect((await call('DELETE', `/api/scenarios/${id}`)).status).toBe(204);
    expect((await call('GET', `/api/scenarios/${id}`)).status).toBe(404);
    // The branch lives on without its parent.
    expect((await call('GET', `/api/scenarios/${dup.json.id}`)).json.parent_id).toBeNull();
  });

  it('rejects bad edits with clear 400s and keeps nothing of them', async () => {
    const { json } = await call('POST', '/api/scenarios', { name: 'Validation' });
    const id = json.id as string;
    const post = (edit: unknown) => call('POST', `/api/scenarios/${id}/edits`, edit);
    const { lon, lat } = site;
    const d = 0.0003;
    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [lon, lat],
          [lon + d, lat + d],
          [lon + d, lat],
          [lon, lat + d],
          [lon, lat],
        ],
      ],
    };
    const cases: [unknown, RegExp][] = [
      [
        { kind: 'add_building', geometry: bowtie, floors: 10, use: 'residential' },
        /not valid.*Self-intersection/i,
      ],
      [
        { kind: 'add_building', geometry: square(-70, 40, 30), floors: 10, use: 'residential' },
        /outside the city/,
      ],
      [
        { kind: 'add_building', geometry: square(lon, lat, 30), floors: 0, use: 'residential' },
        /floors/,
      ],
      [
        { kind: 'add_building', geometry: square(lon, lat, 30), floors: 400, use: 'residential' },
        /floors/,
      ],
      [{ kind: 'add_building', geometry: square(lon, lat, 30), height_m: 5000 }, /height_m/],
      [
        { kind: 'add_building', geometry: square(lon, lat, 30), use: 'residential' },
        /floors or height_m/,
      ],
      [
        {
          kind: 'add_building',
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [lon, lat],
                [lon + d, lat],
                [lon, lat + d],
              ],
            ],
          },
          floors: 3,
        },
        /at least 4/,
      ],
      [
        {
          kind: 'add_building',
          geometry: square(lon, lat, 30),
          floors: 3,
          uses: { residential: 0.5, office: 0.2 },
        },
        /add up to 1/,
      ],
      [{ kind: 'change_building', buildingId: 999999999, floors: 3 }, /no building 999999999/],
      [{ kind: 'edit_road', roadLinkId: 1 }, /at least one of closed/],
      [{ kind: 'edit_road', roadLinkId: 1, lanes: 40 }, /lanes/],
      [{ kind: 'teleport' }, /kind/],
    ];
    for (const [edit, message] of cases) {
      const res = await post(edit);
      expect(res.status, JSON.stringify(edit)).toBe(400);
      expect(res.json.error.code).toBe('bad_request');
      expect(res.json.error.message).toMatch(message);
    }
    const bad = await req(`/api/scenarios/${id}/edits`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
    expect((await call('GET', '/api/scenarios/not-a-uuid')).status).toBe(400);
    expect((await call('GET', '/api/scenarios/00000000-0000-4000-8000-000000000000')).status).toBe(
      404,
    );
    const after = await call('GET', `/api/scenarios/${id}`);
    expect(after.json.version).toBe(1);
    expect(after.json.edits).toEqual([]);
  });

  it('shows a 30-floor residential tower: GFA and dwellings from the factors, traffic near it, shadow on a neighbour', async () => {
    const { json: s } = await call('POST', '/api/scenarios', { name: 'Tower' });
    const tower = square(site.lon, site.lat, 24); // 24 m × 24 m = 576 m²
    const added = await call('POST', `/api/scenarios/${s.id}/edits`, {
      kind: 'add_building',
      geometry: tower,
      floors: 30,
      use: 'residential',
    });
    expect(added.status).toBe(201);

    const res = await call('GET', `/api/scenarios/${s.id}/impact?wait=60`);
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Impact-Cache')).toBe('miss');
    const impact = res.json;
    expect(Object.keys(impact)).toEqual(
      expect.arrayContaining(['yield', 'traffic', 'water', 'power', 'shadow', 'zoning']),
    );
    expect(impact.status).toBe('done');
    // Every scenario is reported at the convergence standard, warm from the baseline.
    expect(impact.traffic.assignment.relative_gap).toBeLessThanOrEqual(1e-4);
    expect(impact.traffic.assignment.baseline_relative_gap).toBeLessThanOrEqual(1e-4);
    expect(impact.traffic.assignment.warm_start).toBe(true);

    const factors = new Map<string, number>(
      (await call('GET', '/api/impact-factors')).json.factors.map((f: Json) => [f.key, f.value]),
    );
    const gfa = 576 * 30;
    const dwellings =
      (gfa * factors.get('residential.net_efficiency')!) /
      factors.get('residential.dwelling_size_m2')!;
    expect(impact.yield.delta.gfa_m2).toBeCloseTo(gfa, -2); // within ±50 m² (geodesic vs. flat area)
    expect(Math.abs(impact.yield.delta.dwellings - dwellings) / dwellings).toBeLessThan(0.005);
    expect(impact.yield.delta.residents).toBeCloseTo(
      impact.yield.delta.dwellings * factors.get('residential.household_size')!,
      0,
    );
    expect(impact.yield.scenario.gfa_m2 - impact.yield.baseline.gfa_m2).toBeCloseTo(
      impact.yield.delta.gfa_m2,
      0,
    );
    expect(impact.yield.factors.map((f: Json) => f.key)).toContain('residential.dwelling_size_m2');
    expect(
      impact.yield.factors.every((f: Json) => typeof f.source === 'string' && f.source.length > 0),
    ).toBe(true);

    // Traffic: the tower's trips load the links around it far more than links across town.
    expect(impact.traffic.added_trips).toBeGreaterThan(0);
    expect(impact.traffic.kpis.vehicle_km.delta).toBeGreaterThan(0);
    const change = new Map<string, number>(
      impact.traffic.links.map((l: Json) => [l.link_id, l.change]),
    );
    const { rows } = await sql<{ id: string; d: number }>`
      SELECT l.id::text AS id, ST_Distance(ST_Transform(l.geom, 4326)::geography,
        ST_SetSRID(ST_MakePoint(${site.lon}, ${site.lat}), 4326)::geography) AS d FROM road_links l`.execute(
      twin.backend.db,
    );
    const mean = (ids: string[]) =>
      ids.reduce((s, id) => s + Math.abs(change.get(id) ?? 0), 0) / Math.max(1, ids.length);
    const near = rows.filter((r) => Number(r.d) < 300).map((r) => r.id);
    const far = rows.filter((r) => Number(r.d) > 2500).map((r) => r.id);
    expect(near.length).toBeGreaterThan(5);
    expect(far.length).toBeGreaterThan(100);
    expect(mean(near)).toBeGreaterThan(3 * mean(far));

    // Shadow: some neighbouring building loses sun on the study days (10-minute steps).
    expect(impact.shadow.days.map((d: Json) => d.label)).toEqual(['21 March', '21 December']);
    expect(impact.shadow.days.every((d: Json) => d.step_minutes <= 10)).toBe(true);
    expect(impact.shadow.neighbours.length).toBeGreaterThan(0);
    expect(impact.shadow.neighbours[0].total_hours_lost).toBeGreaterThan(0);
    expect(impact.shadow.layer.features.length).toBeGreaterThan(0);

    // Utilities: the tower's demand is added on both networks; "flagged" lists only assets the
    // scenario newly flags, beside the baseline's own count.
    expect(impact.water.delta.demand).toBeGreaterThan(0);
    expect(impact.power.delta.demand).toBeGreaterThan(0);
    for (const n of [impact.water, impact.power]) {
      expect(n.delta.flagged).toBe(n.flagged.length);
      expect(n.flagged.every((a: Json) => a.flagged && !a.baseline_flagged)).toBe(true);
      expect(n.baseline.flagged).toBeLessThanOrEqual(0.02 * n.assets_total);
    }

    // Cached per version: the same version is served from the cache; an edit makes a new one.
    const again = await call('GET', `/api/scenarios/${s.id}/impact?wait=60`);
    expect(again.headers.get('X-Impact-Cache')).toBe('hit');
    expect(again.json.yield.delta).toEqual(impact.yield.delta);
    await call('PUT', `/api/scenarios/${s.id}/edits/${added.json.edit.id}`, {
      kind: 'add_building',
      geometry: tower,
      floors: 15,
      use: 'residential',
    });
    const changed = await call('GET', `/api/scenarios/${s.id}/impact?wait=60`);
    expect(changed.headers.get('X-Impact-Cache')).toBe('miss');
    expect(changed.json.scenario.version).toBe(3);
    expect(changed.json.yield.delta.gfa_m2).toBeCloseTo(impact.yield.delta.gfa_m2 / 2, 0);

    // Exports: GeoJSON of the edits, CSV of the report.
    const geo = await call('GET', `/api/scenarios/${s.id}/export?format=geojson`);
    expect(geo.json.features[0]).toMatchObject({
      geometry: { type: 'MultiPolygon' },
      properties: { kind: 'add_building', floors: 15 },
    });
    const csv = await req(`/api/scenarios/${s.id}/export?format=csv`);
    expect(await csv.text()).toMatch(
      /^section,metric,baseline,scenario,delta,unit,sources\nyield,gfa_m2,/,
    );

    // Impact map layers: traffic change on links, utility loads, shadows.
    const traffic = await call('GET', `/api/scenarios/${s.id}/impact/layers/traffic.geojson`);
    expect(traffic.json.features.length).toBe(changed.json.traffic.links.length);
    expect(traffic.json.features[0]).toMatchObject({
      geometry: { type: 'LineString' },
      properties: { change: expect.any(Number), vc: expect.any(Number) },
    });
    const utilities = await call('GET', `/api/scenarios/${s.id}/impact/layers/utilities`);
    expect(utilities.json.features.length).toBeGreaterThan(0);
    expect(utilities.json.features[0].properties).toMatchObject({
      ratio: expect.any(Number),
      metric: expect.any(String),
      limit: expect.any(Number),
    });
    expect(
      (await call('GET', `/api/scenarios/${s.id}/impact/layers/shadow`)).json.features.length,
    ).toBeGreaterThan(0);
    expect((await call('GET', `/api/scenarios/${s.id}/impact/layers/noise`)).status).toBe(404);
  });

  it('moves the volume of a closed link to other links', async () => {
    // The busiest arterial near the centre, by the tower scenario's baseline figures.
    const { json: s } = await call('POST', '/api/scenarios', { name: 'Closure' });
    const { rows } = await sql<{ id: string }>`
      SELECT l.id::text AS id FROM road_links l WHERE l.class = 'arterial'
      ORDER BY l.geom <-> ST_Transform(ST_SetSRID(ST_MakePoint(${site.lon}, ${site.lat}), 4326), 3857) LIMIT 5`.execute(
      twin.backend.db,
    );
    let closedRow: Json | undefined;
    let impact: Json = {};
    for (const r of rows) {
      const e = await call('POST', `/api/scenarios/${s.id}/edits`, {
        kind: 'edit_road',
        roadLinkId: Number(r.id),
        closed: true,
      });
      expect(e.status).toBe(201);
      impact = (await call('GET', `/api/scenarios/${s.id}/impact?wait=60`)).json;
      closedRow = impact.traffic.links.find((l: Json) => l.link_id === r.id);
      if (closedRow && closedRow.baseline_volume > 20) break;
      await call('DELETE', `/api/scenarios/${s.id}/edits/${e.json.edit.id}`);
    }
    expect(closedRow).toBeDefined();
    expect(closedRow!.volume).toBe(0);
    expect(closedRow!.change).toBeCloseTo(-closedRow!.baseline_volume, 0);
    const gained = impact.traffic.links
      .filter((l: Json) => l.change > 0)
      .reduce((s: number, l: Json) => s + l.change, 0);
    expect(gained).toBeGreaterThan(closedRow!.baseline_volume * 0.5);
    expect(impact.traffic.kpis.trips.delta).toBeCloseTo(0, 0);
    // The edits' GeoJSON names what the closure targets, as the baseline has it (issue #12).
    const geo = (await call('GET', `/api/scenarios/${s.id}/export?format=geojson`)).json;
    const link = (
      await sql<{
        name: string | null;
        lanes: number;
      }>`SELECT name, lanes FROM road_links WHERE id = ${closedRow!.link_id}::bigint`.execute(
        twin.backend.db,
      )
    ).rows[0]!;
    expect(geo.features.at(-1).properties).toMatchObject({
      kind: 'edit_road',
      closed: true,
      target: { name: link.name, class: 'arterial', lanes: link.lanes },
    });
  });

  it('leaves the baseline unchanged', async () => {
    expect(await fingerprint()).toBe(baselineFingerprint);
  });
});

describe.each(BACKENDS)('impact factors on %s', (kind) => {
  let twin: TestTwin;
  /** As a planner; factor changes as an admin (issue #9). */
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    role: 'planner' | 'admin' = path.startsWith('/api/impact-factors/') ? 'admin' : 'planner',
  ) => requestJson(twin.app.request, await twin.as(role), method, path, body);

  beforeAll(async () => {
    twin = await createTestTwin(kind);
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  it('lists factors with unit and source, lets an admin change one, and recomputes impacts with it', async () => {
    const list = await call('GET', '/api/impact-factors');
    const size = list.json.factors.find((f: Json) => f.key === 'residential.dwelling_size_m2');
    expect(size).toMatchObject({ unit: expect.any(String), source: expect.any(String), value: 75 });

    const [lon, lat] = DEFAULT_DEMO_CENTER;
    const { json: s } = await call('POST', '/api/scenarios', { name: 'Factors' });
    await call('POST', `/api/scenarios/${s.id}/edits`, {
      kind: 'add_building',
      geometry: square(lon + 0.002, lat - 0.003, 20),
      floors: 10,
      use: 'residential',
    });
    const before = (await call('GET', `/api/scenarios/${s.id}/impact?wait=60`)).json;

    expect(
      (
        await call(
          'PUT',
          '/api/impact-factors/residential.dwelling_size_m2',
          { value: 100 },
          'planner',
        )
      ).status,
    ).toBe(403);
    expect(
      (await call('PUT', '/api/impact-factors/residential.dwelling_size_m2', { value: 0 })).status,
    ).toBe(400);
    expect((await call('PUT', '/api/impact-factors/no.such_factor', { value: 1 })).status).toBe(
      404,
    );
    const put = await call('PUT', '/api/impact-factors/residential.dwelling_size_m2', {
      value: 150,
      source: 'Test: large flats',
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ value: 150, source: 'Test: large flats', version: 2 });

    const after = await call('GET', `/api/scenarios/${s.id}/impact?wait=60`);
    expect(after.headers.get('X-Impact-Cache')).toBe('miss');
    expect(after.json.yield.delta.dwellings).toBeCloseTo(before.yield.delta.dwellings / 2, 0);
    expect(
      after.json.yield.factors.find((f: Json) => f.key === 'residential.dwelling_size_m2').source,
    ).toBe('Test: large flats');
    // Two impacts, the first building the baseline in a worker: minutes on a loaded machine.
  }, 240_000);

  it('reports a scenario without edits as the baseline: nothing changes anywhere', async () => {
    const { json: s } = await call('POST', '/api/scenarios', { name: 'Empty' });
    const empty = (await call('GET', `/api/scenarios/${s.id}/impact?wait=60`)).json;
    // The template's demo sensors have sent no readings: the baseline is not calibrated, and says so.
    expect(empty.traffic.calibration).toMatchObject({ status: 'no_counts', geh_lt_5_share: null });
    expect(empty.traffic.links).toEqual([]);
    expect(empty.traffic.kpis.vehicle_km.delta).toBe(0);
    expect(empty.traffic.assignment.iterations).toBe(0);
    expect(empty.yield.delta.gfa_m2).toBe(0);
    expect(empty.water.assets).toEqual([]);
    expect(empty.power.assets).toEqual([]);
    expect(empty.shadow.neighbours).toEqual([]);
  }, 240_000);
});
