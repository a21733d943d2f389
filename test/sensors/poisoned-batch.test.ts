import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResponse } from '../../common/sensor-types';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import { AUTH, countReadings, demoSensor, TEST_KEY } from './helpers';

const post = (twin: TestTwin, items: unknown[]) =>
  twin.app.request('/api/ingest/readings', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...AUTH },
    body: JSON.stringify(items),
  });

/**
 * Issue #10 item 4: in an ingest batch each bad item is rejected with its reason and the good
 * ones are stored; 503 only when the database itself is failing.
 */
describe.each(BACKENDS)('a poisoned ingest batch on %s', (kind) => {
  let twin: TestTwin;
  let sensor: { id: string; external_id: string };
  let base = Date.now() - 6 * 3600_000;
  const window = () => (base += 3_600_000) - 3_600_000;

  beforeAll(async () => {
    twin = await createTestTwin(kind, { TWIN_INGEST_KEYS: TEST_KEY });
    sensor = await demoSensor(twin.backend.db, 'traffic_speed', 21);
  });

  afterAll(async () => {
    await twin?.sensors.stop();
    await twin?.dispose();
  });

  const good = (from: number, n: number) =>
    Array.from({ length: n }, (_, i) => ({ sensor: sensor.id, ts: from + i * 1000, value: i }));

  it.each([
    ['a NUL byte in the sensor', 'demo\u0000sensor'],
    ['half a surrogate pair (invalid UTF-8) in the sensor', 'demo\ud800sensor'],
  ])('stores 999 readings and rejects 1 with %s', async (_, poison) => {
    const from = window();
    const items: unknown[] = good(from, 1000);
    items[500] = { sensor: poison, ts: from + 500_000, value: 1 };
    const res = await post(twin, items);
    expect(res.status).toBe(200);
    const body = (await res.json()) as IngestResponse;
    expect(body).toMatchObject({ accepted: 999, duplicate: 0, rejected: 1 });
    expect(body.errors).toEqual([{ index: 500, reason: 'malformed', message: expect.any(String) }]);
    expect(await countReadings(twin.backend.db, sensor.id, new Date(from))).toBeGreaterThanOrEqual(
      999,
    );
  });

  it('stores 999 and rejects the one the database refuses (its sensor deleted after it was cached), without failing a batch written beside it', async () => {
    const doomed = await demoSensor(twin.backend.db, 'traffic_speed', 22);
    const from = window();
    // Cache the doomed sensor in the registry, then delete it behind the twin's back.
    expect((await post(twin, [{ sensor: doomed.id, ts: from - 1, value: 1 }])).status).toBe(200);
    await sql`DELETE FROM sensors WHERE id = ${doomed.id}`.execute(twin.backend.db);

    const items: unknown[] = good(from, 1000);
    items[123] = { sensor: doomed.id, ts: from + 123_000, value: 5 };
    const other = good(from + 2_000_000, 50);
    // Both go through one group commit: the poisoned one must not fail its neighbour.
    const [poisoned, neighbour] = await Promise.all([post(twin, items), post(twin, other)]);
    expect(poisoned.status).toBe(200);
    expect(neighbour.status).toBe(200);
    const body = (await poisoned.json()) as IngestResponse;
    expect(body).toMatchObject({ accepted: 999, duplicate: 0, rejected: 1 });
    expect(body.errors).toEqual([
      { index: 123, reason: 'unknown_sensor', message: expect.any(String) },
    ]);
    expect(((await neighbour.json()) as IngestResponse).accepted).toBe(50);
    expect(await countReadings(twin.backend.db, doomed.id, new Date(from))).toBe(0);
    expect(await countReadings(twin.backend.db, sensor.id, new Date(from))).toBe(999 + 50);
    // And the twin keeps taking readings: nothing is stuck in a 503 loop.
    const after = await post(twin, good(from + 3_000_000, 10));
    expect(after.status).toBe(200);
    expect(((await after.json()) as IngestResponse).accepted).toBe(10);
  });
});
