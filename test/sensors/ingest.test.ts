import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  H3Response,
  IngestResponse,
  ReadingsResponse,
  SensorListResponse,
} from '../../common/sensor-types';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import { AUTH, countReadings, demoSensor, SseReader, TEST_KEY } from './helpers';

const post = (twin: TestTwin, body: string, headers: Record<string, string> = AUTH) =>
  twin.app.request('/api/ingest/readings', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });

describe.each(BACKENDS)('HTTP ingest and sensor API on %s', (kind) => {
  let twin: TestTwin;
  let sensor: { id: string; external_id: string };
  const base = Date.now() - 3600_000;

  beforeAll(async () => {
    twin = await createTestTwin(kind, { TWIN_INGEST_KEYS: TEST_KEY, TWIN_INGEST_MAX_BATCH: '100' });
    sensor = await demoSensor(twin.backend.db);
  });

  afterAll(async () => {
    await twin?.sensors.stop();
    await twin?.dispose();
  });

  it('registers the demo city sensors with the seed', async () => {
    // Utility sensors are staff's (issue #9): the public list has traffic sensors only.
    const open = (await (
      await twin.app.request('/api/sensors?kind=traffic_speed,power_load&limit=50000')
    ).json()) as SensorListResponse;
    expect(new Set(open.sensors.map((s) => s.kind))).toEqual(new Set(['traffic_speed']));
    const res = await twin.app.request('/api/sensors?kind=traffic_speed,power_load&limit=50000', {
      headers: await twin.as('planner'),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as SensorListResponse;
    const kinds = new Set(body.sensors.map((s) => s.kind));
    expect(kinds).toEqual(new Set(['traffic_speed', 'power_load']));
    expect(body.sensors.length).toBeGreaterThan(1000);
    const speed = body.sensors.find((s) => s.kind === 'traffic_speed')!;
    expect(speed.asset_type).toBe('road_link');
    expect(speed.reference_value).toBeGreaterThan(0);
  });

  it('refuses readings without a valid ingest key', async () => {
    const body = JSON.stringify([{ sensor: sensor.id, ts: base, value: 1 }]);
    expect((await post(twin, body, {})).status).toBe(401);
    const wrong = await post(twin, body, { Authorization: 'Bearer not-the-key-at-all-xx' });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect(await countReadings(twin.backend.db, sensor.id)).toBe(0);
  });

  it('stores good readings, counts a repeated one as duplicate and gives a reason per rejected one', async () => {
    const items = [
      { sensor: sensor.external_id, ts: new Date(base).toISOString(), value: 42.5 },
      { sensor: Number(sensor.id), ts: base + 60_000, value: 40 },
      { sensor: sensor.external_id, ts: new Date(base).toISOString(), value: 42.5 }, // same sensor and ts
      { sensor: 'no-such-sensor', ts: base, value: 1 },
      { sensor: sensor.id, ts: base + 120_000, value: null },
      { sensor: sensor.id, ts: Date.now() + 86_400_000, value: 1 },
      { sensor: sensor.id, ts: 'yesterday', value: 1 },
      'not an object',
      { sensor: sensor.id, ts: base + 180_000, value: Number.POSITIVE_INFINITY },
    ];
    const res = await post(twin, JSON.stringify(items));
    expect(res.status).toBe(200);
    const body = (await res.json()) as IngestResponse;
    expect(body.accepted).toBe(2);
    expect(body.duplicate).toBe(1);
    expect(body.rejected).toBe(6);
    expect(body.errors.map((e) => [e.index, e.reason])).toEqual([
      [3, 'unknown_sensor'],
      [4, 'value_not_finite'],
      [5, 'ts_in_future'],
      [6, 'malformed'],
      [7, 'malformed'],
      [8, 'value_not_finite'],
    ]);
    expect(await countReadings(twin.backend.db, sensor.id)).toBe(2);

    const again = (await (
      await post(twin, JSON.stringify(items.slice(0, 2)))
    ).json()) as IngestResponse;
    expect(again).toMatchObject({ accepted: 0, duplicate: 2, rejected: 0 });
    expect(await countReadings(twin.backend.db, sensor.id)).toBe(2);
  });

  it('accepts NDJSON and rejects only its malformed lines', async () => {
    const ndjson = [
      JSON.stringify({ sensor: sensor.id, ts: base + 240_000, value: 30 }),
      '{"sensor": broken',
      JSON.stringify({ sensor: sensor.id, ts: base + 300_000, value: 31 }),
    ].join('\n');
    const res = await post(twin, ndjson, { ...AUTH, 'Content-Type': 'application/x-ndjson' });
    const body = (await res.json()) as IngestResponse;
    expect(body).toMatchObject({ accepted: 2, duplicate: 0, rejected: 1 });
    expect(body.errors[0]).toMatchObject({ index: 1, reason: 'malformed' });
  });

  it('answers 400 for a body that is not JSON and 413 for a batch over the limit', async () => {
    const bad = await post(twin, '[{"sensor": 1,');
    expect(bad.status).toBe(400);
    const many = Array.from({ length: 101 }, (_, i) => ({
      sensor: sensor.id,
      ts: base + i,
      value: i,
    }));
    const big = await post(twin, JSON.stringify(many));
    expect(big.status).toBe(413);
    expect(await countReadings(twin.backend.db, sensor.id, new Date(base))).toBe(4);
  });

  it('lists the sensor with its current value and ratio to free flow', async () => {
    const res = await twin.app.request(`/api/sensors?kind=traffic_speed&limit=50000`);
    const body = (await res.json()) as SensorListResponse;
    const s = body.sensors.find((x) => x.id === sensor.id)!;
    expect(s.current?.value).toBe(31);
    expect(s.current?.ts).toBe(new Date(base + 300_000).toISOString());
    expect(s.current?.ratio).toBeCloseTo(31 / s.reference_value!, 3);
    const [lon, lat] = s.location;
    const inBox = await twin.app.request(
      `/api/sensors?bbox=${lon - 0.001},${lat - 0.001},${lon + 0.001},${lat + 0.001}`,
    );
    const ids = ((await inBox.json()) as SensorListResponse).sensors.map((x) => x.id);
    expect(ids).toContain(sensor.id);
    const asOf = await twin.app.request(
      `/api/sensors?kind=traffic_speed&limit=50000&at=${new Date(base + 90_000).toISOString()}`,
    );
    const past = ((await asOf.json()) as SensorListResponse).sensors.find(
      (x) => x.id === sensor.id,
    )!;
    expect(past.current?.value).toBe(40);
    expect((await twin.app.request('/api/sensors?bbox=1,2,3')).status).toBe(400);
  });

  it('returns bucketed history', async () => {
    const from = new Date(base - 600_000).toISOString();
    const to = new Date(base + 600_000).toISOString();
    const res = await twin.app.request(
      `/api/sensors/${sensor.external_id}/readings?from=${from}&to=${to}&bucket=1h`,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as ReadingsResponse;
    expect(body.bucket_s).toBe(3600);
    const total = body.points.reduce((n, p) => n + p.count, 0);
    expect(total).toBe(4);
    expect(Math.min(...body.points.map((p) => p.min))).toBe(30);
    expect(Math.max(...body.points.map((p) => p.max))).toBe(42.5);
    expect((await twin.app.request('/api/sensors/999999999/readings')).status).toBe(404);
    expect((await twin.app.request(`/api/sensors/${sensor.id}/readings?bucket=3x`)).status).toBe(
      400,
    );
  });

  it('pushes a committed reading to a live client, filtered by kind', async () => {
    const speed = new SseReader(await twin.app.request('/api/live?kind=traffic_speed'));
    const power = new SseReader(
      await twin.app.request('/api/live?kind=power_load', { headers: await twin.as('planner') }),
    );
    await Promise.all([speed.ready(), power.ready()]);
    const ts = Date.now() - 1000;
    await post(twin, JSON.stringify([{ sensor: sensor.id, ts, value: 12 }]));
    await speed.until(
      () => speed.updates.some((u) => u.sensor === sensor.id && u.value === 12),
      'the reading',
    );
    const u = speed.updates.find((x) => x.sensor === sensor.id)!;
    expect(u).toMatchObject({
      kind: 'traffic_speed',
      asset_type: 'road_link',
      ts: new Date(ts).toISOString(),
    });
    expect(u.ratio).toBeGreaterThan(0);
    expect(power.updates.filter((x) => x.sensor === sensor.id)).toEqual([]);
    await Promise.all([speed.close(), power.close()]);
    expect((await twin.app.request('/api/live?kind=Bad-Kind')).status).toBe(400);
  });

  it('rolls speed ratios up into H3 cells', async () => {
    const res = await twin.app.request('/api/h3?metric=speed_ratio&res=8');
    const body = (await res.json()) as H3Response;
    expect(body.res).toBe(8);
    expect(body.cells.length).toBeGreaterThan(0);
    expect(body.cells.every((c) => /^[0-9a-f]{15}$/.test(c.h3) && c.sensors > 0)).toBe(true);
    const readings = (await (
      await twin.app.request('/api/h3?metric=readings&res=7')
    ).json()) as H3Response;
    expect(readings.cells.reduce((n, c) => n + c.value, 0)).toBeGreaterThanOrEqual(1);
    expect((await twin.app.request('/api/h3?metric=nope')).status).toBe(400);
  });
});
