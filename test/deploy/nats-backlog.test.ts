import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_POSTGRES } from '../support/backends';
import { HAS_NATS } from '../support/nats';
import { natsSuite } from '../support/nats-suite';
import { AUTH, demoSensor, eventually, storedReadings } from '../sensors/helpers';
import {
  FETCH,
  NATS_CONSUMER,
  NATS_STREAM,
  NATS_SUBJECT_PREFIX,
  PUBLISH_WINDOW,
  readingMsgId,
} from '../../server/sensors/nats-ingest';

/** Ports of this suite (issue #16): our own NATS 7425 with its MQTT listener 7486, a twin on 7415. */
const NATS_PORT = 7425;
const NATS_MQTT_PORT = 7486;
const PORT = 7415;

describe.skipIf(!HAS_NATS || !HAS_POSTGRES)(
  'NATS ingest under a backlog (needs nats-server and DATABASE_URL: skipped)',
  () => {
    const suite = natsSuite({ nats: NATS_PORT, mqtt: NATS_MQTT_PORT, twins: [PORT] });
    let nc: NatsConnection;

    beforeAll(async () => {
      nc = await connect({ servers: suite.nats.url });
    });

    afterAll(async () => {
      await nc?.close();
    });

    const stored = (sensorId: string, from: number) =>
      storedReadings(suite.database.backend.db, sensorId, from);
    const consumerInfo = async () =>
      (await nc.jetstreamManager()).consumers.info(NATS_STREAM, NATS_CONSUMER);

    it('drains a backlog without taking more than two pulls ahead of the database, so nothing is redelivered', async () => {
      const sensor = await demoSensor(suite.database.backend.db, 'traffic_flow', 30);
      const base = Date.now() - 3_600_000;
      const n = 8 * FETCH;
      // The instance is down while devices keep publishing: a backlog waits in the stream.
      await suite.instances[0]!.stop();
      const js = nc.jetstream();
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          js.publish(
            `${NATS_SUBJECT_PREFIX}${sensor.external_id}`,
            JSON.stringify({ ts: base + i * 100, value: i }),
            { msgID: readingMsgId(sensor.external_id, base + i * 100) },
          ),
        ),
      );
      expect((await consumerInfo()).num_pending).toBe(n);

      // Delivered but not yet acknowledged, sampled from before the instance starts until the
      // backlog is gone (it may drain while the instance is still starting): a consumer that pulls
      // ahead of its commits holds up to max_ack_pending, and what waits past ack_wait comes again.
      let maxAckPending = 0;
      let started = false;
      const sampling = eventually(async () => {
        const info = await consumerInfo();
        maxAckPending = Math.max(maxAckPending, info.num_ack_pending);
        return started && info.num_pending === 0 && info.num_ack_pending === 0;
      }, `the backlog of ${n} acknowledged`);
      await suite.start(0);
      started = true;
      await sampling;
      expect(await stored(sensor.id, base)).toEqual({ n, distinct: n });
      expect(maxAckPending).toBeGreaterThan(0);
      // Two pulls held here; JetStream applies acks on its own queue, so its count can trail
      // the acks already sent by part of a pull. Far below the backlog either way: a consumer
      // that refills as messages arrive would have taken all of it (8 pulls) at once.
      expect(maxAckPending).toBeLessThan(3 * FETCH);
      expect((await consumerInfo()).num_redelivered).toBe(0);
    });

    it('answers an HTTP batch larger than the publish window once JetStream holds all of it, duplicates counted', async () => {
      const sensor = await demoSensor(suite.database.backend.db, 'traffic_flow', 31);
      const base = Date.now() - 7_200_000;
      const n = 2 * PUBLISH_WINDOW + 500;
      const batch = (from: number, count: number) =>
        Array.from({ length: count }, (_, i) => ({
          sensor: sensor.external_id,
          ts: base + (from + i) * 1000,
          value: i,
        }));
      const post = async (body: unknown) => {
        const res = await fetch(`${suite.instances[0]!.url}/api/ingest/readings`, {
          method: 'POST',
          headers: { ...AUTH, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.status).toBe(200);
        return res.json();
      };
      expect(await post(batch(0, n))).toMatchObject({ accepted: n, duplicate: 0, rejected: 0 });
      // Half of it again, with as many new ones: JetStream drops the resent half by Nats-Msg-Id.
      const half = n / 2;
      expect(await post(batch(half, n))).toMatchObject({
        accepted: half,
        duplicate: n - half,
        rejected: 0,
      });
      await eventually(
        async () => (await stored(sensor.id, base)).n === n + half,
        `${n + half} readings committed`,
      );
      expect(await stored(sensor.id, base)).toEqual({ n: n + half, distinct: n + half });
      const info = await consumerInfo();
      expect(info.num_redelivered).toBe(0);
    });

    it('answers 503 and stores nothing twice when JetStream has no stream for the readings', async () => {
      const sensor = await demoSensor(suite.database.backend.db, 'traffic_flow', 32);
      const base = Date.now() - 10_800_000;
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(NATS_STREAM);
      const body = Array.from({ length: 10 }, (_, i) => ({
        sensor: sensor.external_id,
        ts: base + i * 1000,
        value: i,
      }));
      const res = await fetch(`${suite.instances[0]!.url}/api/ingest/readings`, {
        method: 'POST',
        headers: { ...AUTH, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('Retry-After')).not.toBeNull();
      expect(await stored(sensor.id, base)).toEqual({ n: 0, distinct: 0 });
    });
  },
);
