import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_POSTGRES, openTestDatabase, type TestDatabase } from '../support/backends';
import { startInstance, type Instance } from '../support/instance';
import { HAS_NATS, startNats, type NatsServer } from '../support/nats';
import { AUTH, demoSensor, SseReader, TEST_KEY } from '../sensors/helpers';

/** Ports of this suite (issue #16): our own NATS 7722 with its MQTT listener 7783, twins 7711-7712. */
const NATS_PORT = 7722;
const NATS_MQTT_PORT = 7783;
const PORTS = [7711, 7712];

describe.skipIf(!HAS_NATS || !HAS_POSTGRES)(
  'live fan-out and impact jobs over NATS across two instances (needs nats-server and DATABASE_URL: skipped)',
  () => {
    let database: TestDatabase;
    let nats: NatsServer;
    let nc: NatsConnection;
    const instances: Instance[] = [];
    const env = (extra: Record<string, string> = {}) => ({
      DATABASE_URL: database.url!,
      NATS_URL: nats.url,
      TWIN_INGEST_KEYS: TEST_KEY,
      TWIN_MQTT: 'off',
      TWIN_SIMULATOR: 'off',
      ...extra,
    });

    beforeAll(async () => {
      database = await openTestDatabase('postgres');
      nats = await startNats(NATS_PORT, NATS_MQTT_PORT);
      nc = await connect({ servers: nats.url });
      for (const port of PORTS) instances.push(await startInstance(port, env()));
    });

    afterAll(async () => {
      for (const i of instances) await i.stop();
      await nc?.drain().catch(() => undefined);
      await nats?.stop();
      await database?.dispose();
    });

    it('carries a reading ingested through A to a live client of B over twin.live.readings, not over NOTIFY', async () => {
      const sensor = await demoSensor(database.backend.db, 'traffic_speed', 3);
      const onNats: string[] = [];
      const sub = nc.subscribe('twin.live.readings', { callback: (_e, m) => onNats.push(new TextDecoder().decode(m.data)) });
      const notified: string[] = [];
      const unlisten = await database.backend.listen('twin_readings', (p) => notified.push(p));
      const live = new SseReader(await fetch(`${instances[1]!.url}/api/live?kind=traffic_speed`));
      await live.ready();
      const ts = Date.now() - 2000;
      const res = await fetch(`${instances[0]!.url}/api/ingest/readings`, {
        method: 'POST',
        headers: { ...AUTH, 'Content-Type': 'application/json' },
        body: JSON.stringify([{ sensor: sensor.external_id, ts, value: 17.5 }]),
      });
      expect(res.status).toBe(200);
      await live.until(() => live.updates.some((u) => u.sensor === sensor.id), 'the reading on B');
      const update = live.updates.find((u) => u.sensor === sensor.id)!;
      expect(update).toMatchObject({ value: 17.5, ts: new Date(ts).toISOString() });
      // It travelled over NATS, and PostgreSQL carried no notification of it.
      expect(onNats.some((p) => (JSON.parse(p) as [number | string, number, number][]).some(([id]) => String(id) === sensor.id))).toBe(true);
      expect(notified.filter((p) => p.includes(`[${sensor.id},`))).toEqual([]);
      // A repeated reading is not new: it is not sent to live clients again.
      const before = live.updates.filter((u) => u.sensor === sensor.id).length;
      await fetch(`${instances[0]!.url}/api/ingest/readings`, {
        method: 'POST',
        headers: { ...AUTH, 'Content-Type': 'application/json' },
        body: JSON.stringify([{ sensor: sensor.external_id, ts, value: 17.5 }, { sensor: sensor.external_id, ts: ts + 1000, value: 18 }]),
      });
      await live.until(() => live.updates.some((u) => u.sensor === sensor.id && u.value === 18), 'the second reading on B');
      expect(live.updates.filter((u) => u.sensor === sensor.id).length).toBe(before + 1);
      await live.close();
      sub.unsubscribe();
      await unlisten();
    });
  },
);
