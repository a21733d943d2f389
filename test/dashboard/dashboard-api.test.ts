import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DashboardResponse } from '../../common/api-types';
import type { HistoryRange } from '../../common/sensor-types';
import { KPI_KEYS, SERIES_KEYS } from '../../server/dashboard/dashboard-figures';
import { scenarioHeadline } from '../../common/scenario-headline';
import type { ScenarioImpact } from '../../common/scenario-types';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { backfillDemoHistory } from '../../server/sensors/demo-history';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';

/** The frame-ancestors directive of a response's CSP (the rest of the policy: issue #10). */
const frameAncestorsOf = (res: Response) =>
  (res.headers.get('content-security-policy') ?? '')
    .split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith('frame-ancestors'));
import { AUTH, TEST_KEY } from '../sensors/helpers';

const HOUR = 3600_000;

/** The public dashboard's API (issue #9 item 5) over a demo city with two days of generated history. */
describe.each(BACKENDS)('dashboard API on %s', (kind) => {
  let twin: TestTwin;
  let history: Awaited<ReturnType<typeof backfillDemoHistory>>;

  beforeAll(async () => {
    twin = await createTestTwin(kind, { TWIN_INGEST_KEYS: TEST_KEY });
    // Hourly history for two days, ending two hours ago, so "now" comes from the readings below.
    history = await backfillDemoHistory(twin.backend, {
      days: 2,
      stepS: 3600,
      end: Date.now() - 2 * HOUR,
    });
    const db = twin.backend.db;
    // Fresh readings at known fractions of each sensor's reference: traffic at half its free-flow
    // speed, water mains at 30 % of capacity, substations at 60 % of their rating.
    const { rows } = await sql<{
      id: string;
      kind: string;
      asset_type: string | null;
      ref: number;
    }>`
      SELECT id::text, kind, asset_type, reference_value AS ref FROM sensors
      WHERE kind IN ('traffic_speed', 'water_flow') OR (kind = 'power_load' AND asset_type = 'power_node')`.execute(
      db,
    );
    const share: Record<string, number> = { traffic_speed: 0.5, water_flow: 0.3, power_load: 0.6 };
    const ts = Date.now() - 60_000;
    const items = rows.map((r) => ({ sensor: r.id, ts, value: Number(r.ref) * share[r.kind]! }));
    const res = await twin.app.request('/api/ingest/readings', {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify(items),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { accepted: number }).accepted).toBe(items.length);
    const alert = await sql<{
      id: string;
    }>`SELECT id::text FROM sensors WHERE kind = 'water_pressure' LIMIT 1`.execute(db);
    await sql`INSERT INTO sensor_alerts (sensor_id, kind, value) VALUES (${alert.rows[0]!.id}, 'stuck', 4)`.execute(
      db,
    );
  }, 240_000);

  afterAll(async () => {
    await twin?.dispose();
  });

  const dashboard = async () => {
    const res = await twin.app.request('/api/dashboard');
    expect(res.status).toBe(200);
    return { text: await res.clone().text(), body: (await res.json()) as DashboardResponse };
  };

  it("generates the demo sensors' history from the simulator's model, once", async () => {
    expect(history).not.toBeNull();
    const { rows } = await sql<{ n: string; sensors: string }>`
      SELECT count(*)::text AS n, count(DISTINCT sensor_id)::text AS sensors FROM readings`.execute(
      twin.backend.db,
    );
    // Every demo sensor but the dropping-out ones at every hourly step, plus the fresh readings.
    expect(Number(rows[0]!.sensors)).toBeGreaterThan(4000);
    expect(Number(rows[0]!.n)).toBeGreaterThan(history!.readings);
    // A second call on a twin that has readings does nothing.
    expect(await backfillDemoHistory(twin.backend, { days: 1 })).toBeNull();
    const range = (await (await twin.app.request('/api/readings/range')).json()) as HistoryRange;
    expect(Date.parse(range.from!)).toBeLessThanOrEqual(Date.parse(history!.from));
    expect(Date.parse(range.to!)).toBeGreaterThan(Date.parse(history!.to));
    expect(range.bucket_s).toBe(300);
  });

  it('answers every KPI with its unit, time and source, computed from the current readings', async () => {
    const { body } = await dashboard();
    expect(body.kpis.map((k) => k.key)).toEqual([...KPI_KEYS]);
    for (const k of body.kpis) {
      expect(k.unit).not.toBe('');
      expect(k.source.length).toBeGreaterThan(20);
      expect(Number.isFinite(Date.parse(k.as_of!))).toBe(true);
    }
    const value = (key: string) => body.kpis.find((k) => k.key === key)!.value;
    expect(value('traffic_congestion')).toBe(50);
    // Speed sensors reported, flow sensors (the other half of the traffic sensors) did not.
    expect(value('traffic_sensors_reporting')).toBe(50);
    expect(value('water_demand')).toBe(30);
    expect(value('power_load')).toBe(60);
    expect(value('open_alerts')).toBe(1);
    expect(Number.isFinite(Date.parse(body.as_of))).toBe(true);
    expect(body.scenarios).toEqual([]);
  });

  it("compares congestion with the same hour's typical value from the history", async () => {
    const { body } = await dashboard();
    const congestion = body.kpis.find((k) => k.key === 'traffic_congestion')!;
    const { rows } = await sql<{ typical: number }>`
      SELECT avg(value) AS typical FROM city_metrics WHERE metric = 'traffic_speed_ratio'
        AND bucket < date_trunc('hour', now())
        AND extract(hour FROM bucket AT TIME ZONE 'UTC') = extract(hour FROM now() AT TIME ZONE 'UTC')`.execute(
      twin.backend.db,
    );
    const typical = Math.round(Number(rows[0]!.typical) * 1000) / 10;
    expect(congestion.trend).toMatchObject({ reference_value: typical, unit: 'percentage points' });
    expect(congestion.trend!.delta).toBeCloseTo(50 - typical, 1);
    expect(congestion.trend!.reference).toMatch(/same hour/);
  });

  it('charts the last 24 hours of each series from the roll-ups', async () => {
    const { body } = await dashboard();
    expect(body.series.map((s) => s.key)).toEqual([...SERIES_KEYS]);
    for (const s of body.series) {
      expect(s.unit).toBe('%');
      // Hourly history over the last 22 hours, plus the bucket of the fresh readings.
      expect(s.points.length).toBeGreaterThanOrEqual(20);
      expect(s.points.length).toBeLessThanOrEqual(26);
      const times = s.points.map((p) => Date.parse(p.t));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(times[0]).toBeGreaterThanOrEqual(Date.now() - 24 * HOUR - 60_000);
      expect(s.points.every((p) => p.value > 0 && p.value < 200)).toBe(true);
    }
  });

  it('names no utility sensor or asset: city-wide aggregates only', async () => {
    const { text } = await dashboard();
    expect(text).not.toMatch(/demo-|water_pipe|power_node|sensor_id|asset_id/);
  });

  it('lets any site frame /embed/* and only the twin itself frame everything else', async () => {
    const embed = await twin.app.request('/embed/kpi/nonsense');
    expect(embed.status).toBe(404);
    expect(frameAncestorsOf(embed)).toBe('frame-ancestors *');
    expect(embed.headers.get('x-frame-options')).toBeNull();
    const api = await twin.app.request('/api/dashboard');
    expect(frameAncestorsOf(api)).toBe("frame-ancestors 'self'");
    expect(api.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect((await twin.app.request('/embed/scenario/not-an-id')).status).toBe(404);
    expect((await twin.app.request('/embed/chart/nonsense')).status).toBe(404);
  });

  it("lists published scenarios with their impact's headline deltas, never a draft; a draft's embed is 404 (issue #9)", async () => {
    const planner = await twin.as('planner', 'dash-planner');
    const other = await twin.as('planner', 'dash-other');
    const call = async (method: string, path: string, body?: unknown, who = planner) => {
      const res = await twin.app.request(path, {
        method,
        headers: { ...who, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return {
        status: res.status,
        // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read loosely, checked field by field
        json: (await res.json().catch(() => null)) as Record<string, any>,
      };
    };
    const [lon, lat] = DEFAULT_DEMO_CENTER;
    const d = 0.0002;
    const geometry = {
      type: 'Polygon',
      coordinates: [
        [
          [lon + 0.003, lat - 0.004],
          [lon + 0.003 + d, lat - 0.004],
          [lon + 0.003 + d, lat - 0.004 + d],
          [lon + 0.003, lat - 0.004 + d],
          [lon + 0.003, lat - 0.004],
        ],
      ],
    };
    const published = (await call('POST', '/api/scenarios', { name: 'Dashboard towers' })).json;
    expect(
      (
        await call('POST', `/api/scenarios/${published.id}/edits`, {
          kind: 'add_building',
          geometry,
          floors: 15,
          use: 'residential',
        })
      ).status,
    ).toBe(201);
    expect(
      (await call('PATCH', `/api/scenarios/${published.id}`, { status: 'published' })).status,
    ).toBe(200);
    const draft = (await call('POST', '/api/scenarios', { name: 'Dashboard draft' })).json;

    // The dashboard keeps one answer for 15 s: the card comes with the next one, without deltas
    // until the impact (requested by the dashboard itself, in the background) is stored.
    const card = async () => (await dashboard()).body.scenarios.find((c) => c.id === published.id);
    await expect.poll(card, { timeout: 60_000, interval: 1000 }).toBeDefined();
    const first = (await card())!;
    expect(first).toMatchObject({ name: 'Dashboard towers', published_at: expect.any(String) });
    if (first.impact === 'computing') expect(first.kpis).toEqual([]);
    await expect
      .poll(async () => (await card())?.impact, { timeout: 240_000, interval: 2000 })
      .toBe('ready');
    const ready = (await card())!;
    // The same figures as the scenario's public impact, through the same headline function.
    const impact = await twin.app.request(`/api/scenarios/${published.id}/impact?wait=60`);
    expect(impact.status).toBe(200);
    expect(ready.kpis).toEqual(scenarioHeadline((await impact.json()) as ScenarioImpact));
    expect(ready.kpis.map((k) => k.key)).toEqual([
      'homes',
      'jobs',
      'vehicle_hours',
      'assets_over_capacity',
    ]);
    expect(ready.kpis.find((k) => k.key === 'homes')!.value).toBeGreaterThan(0);
    const { body, text } = await dashboard();
    expect(body.scenarios.map((c) => c.id)).not.toContain(draft.id);
    expect(text).not.toMatch(/Dashboard draft/);

    // The embed page: a draft is 404 for the public and for another planner, not for its owner.
    expect((await twin.app.request(`/embed/scenario/${draft.id}`)).status).toBe(404);
    expect((await twin.app.request(`/embed/scenario/${draft.id}`, { headers: other })).status).toBe(
      404,
    );
    expect(
      (await twin.app.request(`/embed/scenario/${draft.id}`, { headers: planner })).status,
    ).not.toBe(404);
    expect((await twin.app.request(`/embed/scenario/${published.id}`)).status).not.toBe(404);
    // Unpublished again: gone from the page for the public.
    expect(
      (await call('PATCH', `/api/scenarios/${published.id}`, { status: 'draft' })).status,
    ).toBe(200);
    expect((await twin.app.request(`/embed/scenario/${published.id}`)).status).toBe(404);
  }, 360_000);

  it('takes the embed origins from TWIN_EMBED_ORIGINS', async () => {
    const other = await createTestTwin(kind, {
      TWIN_EMBED_ORIGINS: 'https://city.example, https://*.news.example',
    });
    try {
      const res = await other.app.request('/embed/map');
      expect(frameAncestorsOf(res)).toBe(
        'frame-ancestors https://city.example https://*.news.example',
      );
      expect(frameAncestorsOf(await other.app.request('/dashboard'))).toBe(
        "frame-ancestors 'self'",
      );
    } finally {
      await other.dispose();
    }
  });
});
