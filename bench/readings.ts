import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema/database';
import type { RawPublisher } from './mqtt-publisher';
import type postgres from 'postgres';
import type { Trial } from './rounds';

/** The demo city's sensors (registered by `registerDemoSensors`), as the benches address them. */
export async function demoSensors(db: Kysely<Database>): Promise<{ id: string; ext: string }[]> {
  const { rows } = await sql<{ id: string; external_id: string }>`SELECT id, external_id
    FROM sensors WHERE external_id LIKE 'demo-%' ORDER BY id`.execute(db);
  return rows.map((r) => ({ id: String(r.id), ext: r.external_id }));
}

/**
 * The `b`-th batch of a live feed (the SSE latency probes): 10 readings of `value`, one each for
 * the next 10 of `sensors` in turn, a millisecond apart, `b` seconds into the slice `from`.
 */
export function liveFeedBatch(
  sensors: readonly { id: string }[],
  from: number,
  b: number,
  value: number,
): string {
  return JSON.stringify(
    Array.from({ length: 10 }, (_, k) => ({
      sensor: sensors[(b * 10 + k) % sensors.length]!.id,
      ts: from + b * 1000 + k,
      value,
    })),
  );
}

/** The bench's readings: unique (sensor, ts) slices of 2020, batches, counts and clean-up. */
/** Where the broker-only trial publishes: no twin subscribes to it. */
export const BROKER_TOPIC = 'bench/broker-only';
/** How many readings of a slice are committed, answered at once; `stop` ends the counting. */
export interface Committed {
  count: () => number;
  stop?: () => void;
}

/** Messages published at a time (see publishFor). */
const MQTT_BURST = 250;
/**
 * Messages at most undelivered, by what the broker keeps per session: Mosquitto holds the
 * subscriber's receive maximum (2,000) in flight and `max_queued_messages` more, and drops beyond.
 * The count of delivered ones runs ahead of the broker seeing the PUBACKs (a window of 19,500
 * with 22,000 of room still saw drops), so the window is a third of the room.
 */
export const mqttWindow = (maxQueued: number): number =>
  Math.max(MQTT_BURST, Math.floor((maxQueued + 2000) / 3));

export function benchReadings(db: postgres.Sql, sensors: { id: string; ext: string }[]) {
  let cursor = Date.parse('2020-01-01T00:00:00Z');
  const reading = (from: number, i: number) => ({
    sensor: sensors[i % sensors.length]!,
    ts: from + Math.floor(i / sensors.length) * 1000,
  });
  const stored = async (from: number) =>
    (
      await db`SELECT count(*)::int AS n FROM readings WHERE ts >= ${new Date(from).toISOString()}
        AND ts < ${new Date(from + 86_400_000).toISOString()}`
    )[0]!.n as number;
  const self = {
    /** The i-th reading of a slice: sensors in turn, a second apart per round of them. */
    reading,
    stored,
    /** A day of timestamps per trial. */
    slice: () => ((cursor += 86_400_000), cursor - 86_400_000),
    batch: (from: number, b: number, size: number) =>
      JSON.stringify(
        Array.from({ length: size }, (_, k) => {
          const { sensor, ts } = reading(from, b * size + k);
          return { sensor: sensor.id, ts, value: k % 100 };
        }),
      ),
    /**
     * `clients` HTTP clients posting batches of 1,000 of a fresh slice for `seconds`; `post` sends
     * one batch and answers how many readings it took. Returns the slice, that count and the start.
     */
    httpTrial: async (
      post: (body: string) => Promise<number>,
      seconds: number,
      clients = 8,
    ): Promise<{ from: number; accepted: number; t0: number }> => {
      await self.clean();
      const from = self.slice();
      let next = 0;
      let accepted = 0;
      const t0 = performance.now();
      const until = t0 + seconds * 1000;
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (performance.now() < until) {
            // Not `accepted += await post(…)`: that reads `accepted` before the await, so eight
            // clients overwrote each other's counts and the figure showed a fraction of the rows.
            const n = await post(self.batch(from, next++, 1000));
            accepted += n;
          }
        }),
      );
      return { from, accepted, t0 };
    },
    /** Waits until `n` readings of the slice are committed (10 minutes at most). */
    waitStored: async (from: number, n: number) => {
      const t0 = performance.now();
      for (;;) {
        const have = await stored(from);
        if (have >= n) return;
        if (performance.now() - t0 > 600_000)
          throw new Error(`only ${have} of ${n} readings stored after 10 minutes`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    /** Removes bench rows (all in 2020), then flushes dirty pages so no trial pays for another. */
    clean: async () => {
      const [{ other }] =
        await db`SELECT EXISTS (SELECT 1 FROM readings_default WHERE ts >= '2021-01-01') AS other`;
      if (other) await db`DELETE FROM readings WHERE ts < '2021-01-01'`;
      else await db`TRUNCATE readings_default`;
      await db`DELETE FROM sensor_state WHERE ts < '2021-01-01'`;
      await db`CHECKPOINT`.catch(() => undefined);
    },
    /** The slice's stored rows by count(*) every 10 ms, where no NOTIFY tells (NATS deployments). */
    pollStored: (from: number): Committed => {
      let n = 0;
      let on = true;
      void (async () => {
        while (on) {
          n = await stored(from);
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
      return { count: () => n, stop: () => (on = false) };
    },
    /**
     * QoS 1 readings to the twin's topic; `committed` counts the readings of the slice the twin
     * has committed (its NOTIFY payloads, delivered at COMMIT). At the end every one must be in
     * the table exactly once.
     */
    mqttTrial: async (
      publishers: RawPublisher[],
      committed: (from: number) => Committed,
      seconds: number,
      window: number,
    ): Promise<Trial> => {
      await self.clean();
      const from = self.slice();
      const counter = committed(from);
      const trial = await publishFor(
        publishers,
        seconds,
        from,
        'twin/sensors',
        counter.count,
        window,
      );
      counter.stop?.();
      const have = await stored(from);
      if (have !== trial.sent) throw new Error(`${trial.sent} readings sent, ${have} stored`);
      return trial;
    },
    /**
     * The same publishing to the same broker with nothing behind it: a subscriber that
     * acknowledges each message as it arrives (what the broker and mqtt.js alone can carry).
     */
    brokerTrial: async (
      publishers: RawPublisher[],
      subscriber: { received: number },
      seconds: number,
      window: number,
    ): Promise<Trial> => {
      const from = self.slice();
      const start = subscriber.received;
      return publishFor(
        publishers,
        seconds,
        from,
        BROKER_TOPIC,
        () => subscriber.received - start,
        window,
      );
    },
  };
  /** Publishes bursts for `seconds` while at most `window` are undelivered, then waits for the rest. */
  const publishFor = async (
    publishers: RawPublisher[],
    seconds: number,
    from: number,
    topic: string,
    delivered: () => number,
    window: number,
  ): Promise<Trial & { sent: number }> => {
    const t0 = performance.now();
    const until = t0 + seconds * 1000;
    let sent = 0;
    while (performance.now() < until) {
      if (sent + MQTT_BURST - delivered() > window) {
        await new Promise((r) => setTimeout(r, 1));
        continue;
      }
      for (let i = sent; i < sent + MQTT_BURST; i++) {
        const { sensor, ts } = reading(from, i);
        publishers[i % publishers.length]!.publish(
          `${topic}/${sensor.ext}`,
          `{"ts":${ts},"value":${i % 100}}`,
        );
      }
      for (const p of publishers) p.flush();
      sent += MQTT_BURST;
      await new Promise((r) => setImmediate(r));
    }
    // Until all are delivered; a minute without progress means messages were lost.
    let last = delivered();
    let since = performance.now();
    while (delivered() < sent) {
      if (delivered() !== last) [last, since] = [delivered(), performance.now()];
      if (performance.now() - since > 60_000)
        throw new Error(
          `${sent - last} of ${sent} messages not delivered after a minute (${await stored(from)} stored; broker PUBACKs ${publishers.reduce((n, p) => n + p.acked, 0)})`,
        );
      await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(publishers.map((p) => p.settled()));
    return { rate: sent / ((performance.now() - t0) / 1000), sent };
  };
  return self;
}
