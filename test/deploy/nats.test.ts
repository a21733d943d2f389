import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { HAS_POSTGRES } from '../support/backends';
import { HAS_NATS } from '../support/nats';
import { natsSuite } from '../support/nats-suite';
import { AUTH, demoSensor, eventually, storedReadings } from '../sensors/helpers';

/** Ports of this suite (issue #16): our own NATS 7422 with its MQTT listener 7483, twins 7411-7412. */
const NATS_PORT = 7422;
const NATS_MQTT_PORT = 7483;
const PORTS = [7411, 7412];

describe.skipIf(!HAS_NATS || !HAS_POSTGRES)(
  'sensor ingest through NATS JetStream (needs nats-server and DATABASE_URL: skipped)',
  () => {
    const suite = natsSuite({ nats: NATS_PORT, mqtt: NATS_MQTT_PORT, twins: PORTS });
    const { instances } = suite;

    const stored = (sensorId: string, from: number) =>
      storedReadings(suite.database.backend.db, sensorId, from);

    it('stores HTTP readings published to JetStream before answering, and drops a republished batch by Nats-Msg-Id', async () => {
      const sensor = await demoSensor(suite.database.backend.db, 'traffic_speed', 2);
      const base = Date.now() - 3_600_000;
      const batch = Array.from({ length: 50 }, (_, i) => ({
        sensor: sensor.external_id,
        ts: base + i * 1000,
        value: i,
      }));
      const post = (url: string) =>
        fetch(`${url}/api/ingest/readings`, {
          method: 'POST',
          headers: { ...AUTH, 'Content-Type': 'application/json' },
          body: JSON.stringify(batch),
        });
      const first = await post(instances[0]!.url);
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({ accepted: 50, duplicate: 0, rejected: 0 });
      // The same readings through the other instance: JetStream's duplicate window drops them.
      const again = await post(instances[1]!.url);
      expect(await again.json()).toMatchObject({ accepted: 0, duplicate: 50, rejected: 0 });
      await eventually(
        async () => (await stored(sensor.id, base)).n === 50,
        '50 readings committed',
      );
      expect(await stored(sensor.id, base)).toEqual({ n: 50, distinct: 50 });
    });

    it("stores every reading an MQTT device had acknowledged by NATS's MQTT listener exactly once, though an instance is killed mid-stream", async () => {
      const sensors = await Promise.all(
        [0, 1, 2].map((k) => demoSensor(suite.database.backend.db, 'traffic_flow', 10 + k)),
      );
      const base = Date.now() - 7_200_000;
      const device = await mqtt.connectAsync(suite.nats.mqttUrl, {
        clientId: `device-${process.pid}`,
        clean: true,
        reconnectPeriod: 200,
      });
      const perSensor = 300;
      let acked = 0;
      let killed = false;
      for (let i = 0; i < perSensor; i++) {
        await Promise.all(
          sensors.map(async (s) => {
            await device.publishAsync(
              `twin/sensors/${s.external_id}`,
              JSON.stringify({ ts: base + i * 1000, value: i }),
              { qos: 1 },
            );
            acked++;
          }),
        );
        if (i === 100 && !killed) {
          killed = true;
          await instances[0]!.crash(); // kill -9, its unacknowledged messages go back to the stream
        }
      }
      await device.endAsync();
      expect(acked).toBe(3 * perSensor);
      for (const s of sensors) {
        await eventually(
          async () => (await stored(s.id, base)).n === perSensor,
          `${perSensor} readings of ${s.external_id}`,
          90_000,
        );
        expect(await stored(s.id, base)).toEqual({ n: perSensor, distinct: perSensor });
      }
      // The survivor did the rest; bring the killed one back for what follows.
      await suite.start(0);
    });

    it('keeps every acknowledged reading when NATS itself restarts', async () => {
      const sensor = await demoSensor(suite.database.backend.db, 'traffic_flow', 20);
      const base = Date.now() - 10_800_000;
      const send = async (from: number, n: number) => {
        const batch = Array.from({ length: n }, (_, i) => ({
          sensor: sensor.external_id,
          ts: base + (from + i) * 1000,
          value: i,
        }));
        for (;;) {
          const res = await fetch(`${instances[1]!.url}/api/ingest/readings`, {
            method: 'POST',
            headers: { ...AUTH, 'Content-Type': 'application/json' },
            body: JSON.stringify(batch),
          }).catch(() => undefined);
          if (res?.status === 200) return;
          await new Promise((r) => setTimeout(r, 200)); // 503 while NATS is down: retry
        }
      };
      await send(0, 100);
      await suite.nats.restart('SIGKILL');
      await send(100, 100);
      await eventually(
        async () => (await stored(sensor.id, base)).n === 200,
        '200 readings after the NATS restart',
        90_000,
      );
      expect(await stored(sensor.id, base)).toEqual({ n: 200, distinct: 200 });
    });
  },
);
