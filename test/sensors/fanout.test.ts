import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '../../server/app';
import { startSensorRuntime, type SensorRuntimeHandle } from '../../server/sensors/sensor-runtime';
import { HAS_POSTGRES, type TestDatabase } from '../support/backends';
import { openTwoInstances, type TwoInstances } from '../support/two-instances';
import { AUTH, demoSensor, dropSession, eventually, SseReader, TEST_KEY } from './helpers';

const MQTT_URL = process.env.MQTT_URL;
const unique = () => randomBytes(4).toString('hex');

describe.skipIf(!HAS_POSTGRES)(
  'two server instances on one database (needs DATABASE_URL: skipped)',
  () => {
    let pair: TwoInstances;
    let database: TestDatabase;
    let a: Twin;
    let b: Twin;
    const group = `test-${unique()}`;
    const ids = [`twin-a-${unique()}`, `twin-b-${unique()}`];
    const runtimes: SensorRuntimeHandle[] = [];

    beforeAll(async () => {
      pair = await openTwoInstances((i) => ({
        TWIN_INGEST_KEYS: TEST_KEY,
        TWIN_MQTT_CLIENT_ID: ids[i]!,
        TWIN_MQTT_SHARE_GROUP: group,
        ...(MQTT_URL ? { MQTT_URL } : {}),
      }));
      ({ database, a, b } = pair);
    });

    afterAll(async () => {
      await pair?.close();
      if (MQTT_URL) for (const id of ids) await dropSession(MQTT_URL, id).catch(() => undefined);
    });

    it('pushes a reading ingested through instance A to a live client of instance B', async () => {
      const sensor = await demoSensor(database.backend.db, 'traffic_speed', 3);
      const live = new SseReader(await b.app.request('/api/live?kind=traffic_speed'));
      await live.ready();
      const ts = Date.now() - 1000;
      const res = await a.app.request('/api/ingest/readings', {
        method: 'POST',
        headers: AUTH,
        body: JSON.stringify([{ sensor: sensor.external_id, ts, value: 17 }]),
      });
      expect(res.status).toBe(200);
      await live.until(() => live.updates.some((u) => u.sensor === sensor.id), 'the reading on B');
      expect(live.updates.find((u) => u.sensor === sensor.id)).toMatchObject({
        value: 17,
        ts: new Date(ts).toISOString(),
      });
      await live.close();
    });

    it.skipIf(!MQTT_URL)(
      'splits an MQTT stream between the instances, storing each reading once (needs MQTT_URL)',
      async () => {
        for (const twin of [a, b])
          runtimes.push(
            await startSensorRuntime(twin.sensors, {
              mqtt: true,
              simulator: false,
              anomalies: false,
            }),
          );
        const sensor = await demoSensor(database.backend.db, 'traffic_flow', 5);
        const device = await mqtt.connectAsync(MQTT_URL!, { clientId: `device-${unique()}` });
        const base = Date.now() - 600_000;
        const n = 200;
        for (let i = 0; i < n; i++) {
          await device.publishAsync(
            `twin/sensors/${sensor.external_id}`,
            JSON.stringify({ ts: base + i * 1000, value: i }),
            { qos: 1 },
          );
        }
        await device.endAsync();
        const count = async () =>
          Number(
            (
              await sql<{
                n: string;
              }>`SELECT count(*) AS n FROM readings WHERE sensor_id = ${sensor.id}
                AND ts >= ${new Date(base).toISOString()}::timestamptz`.execute(database.backend.db)
            ).rows[0]!.n,
          );
        await eventually(async () => (await count()) === n, `${n} readings`);
        // Each instance sends its PUBACKs after its COMMIT returns: the last one may trail the
        // stored row by a moment.
        const acked = () => runtimes.reduce((sum, r) => sum + r.mqtt!.stats.acked, 0);
        await eventually(() => Promise.resolve(acked() >= n), `${n} PUBACKs`);
        const [ra, rb] = runtimes.map((r) => r.mqtt!.stats.acked);
        expect(ra! + rb!).toBe(n);
        expect(ra).toBeGreaterThan(0);
        expect(rb).toBeGreaterThan(0);
      },
    );
  },
);
