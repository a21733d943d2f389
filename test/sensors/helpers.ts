import mqtt from 'mqtt';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { LiveUpdate } from '../../common/sensor-types';
import type { FrameNotice } from '../../common/camera-types';

/** The ingest key the sensor tests configure through TWIN_INGEST_KEYS. */
export const TEST_KEY = 'test-ingest-key-0123456789';
export const AUTH = { Authorization: `Bearer ${TEST_KEY}` };

/** A demo traffic-speed sensor (registered with the demo city in the test template). */
export async function demoSensor(
  db: Kysely<Database>,
  kind = 'traffic_speed',
  offset = 0,
): Promise<{ id: string; external_id: string }> {
  const { rows } = await sql<{ id: string | number; external_id: string }>`SELECT id, external_id
    FROM sensors WHERE kind = ${kind} ORDER BY id OFFSET ${offset} LIMIT 1`.execute(db);
  const row = rows[0];
  if (!row)
    throw new Error(`the test template has no ${kind} sensor (demo sensors not registered?)`);
  return { id: String(row.id), external_id: row.external_id };
}

export async function countReadings(
  db: Kysely<Database>,
  sensorId: string,
  from?: Date,
): Promise<number> {
  const { rows } = await sql<{ n: string | number }>`SELECT count(*) AS n FROM readings
    WHERE sensor_id = ${sensorId} AND ts >= ${(from ?? new Date(0)).toISOString()}::timestamptz`.execute(
    db,
  );
  return Number(rows[0]!.n);
}

/**
 * A sensor stuck on `value`: 15 readings a minute apart over the last half hour, through the
 * ingest API of `app` (what opens a `stuck` alert). Answers how many the API accepted.
 */
export async function ingestStuckReadings(
  app: { request(path: string, init: RequestInit): Response | Promise<Response> },
  sensorId: string,
  value: number,
): Promise<number> {
  const base = Date.now() - 30 * 60_000;
  const items = Array.from({ length: 15 }, (_, i) => ({
    sensor: sensorId,
    ts: base + i * 60_000,
    value,
  }));
  const res = await app.request('/api/ingest/readings', {
    method: 'POST',
    headers: AUTH,
    body: JSON.stringify(items),
  });
  return ((await res.json()) as { accepted: number }).accepted;
}

/** A server-sent-events reader over a fetch Response: collects `readings` updates. */
export class SseReader {
  readonly updates: LiveUpdate[] = [];
  /** `frame` events: new camera frames (issue #17). */
  readonly frames: FrameNotice[] = [];
  readonly events: string[] = [];
  #waiters: { pred: () => boolean; resolve: () => void }[] = [];
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #closed = false;

  constructor(res: Response) {
    if (!res.body) throw new Error(`no SSE body (status ${res.status})`);
    this.#reader = res.body.getReader();
    void this.#pump();
  }

  async #pump(): Promise<void> {
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await this.#reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (!event) continue;
          this.events.push(event);
          if (event === 'readings') this.updates.push(...(JSON.parse(data) as LiveUpdate[]));
          if (event === 'frame') this.frames.push(JSON.parse(data) as FrameNotice);
          this.#check();
        }
      }
    } catch {
      // cancelled
    }
    this.#closed = true;
  }

  #check(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.pred()) return true;
      w.resolve();
      return false;
    });
  }

  /** Resolves when `pred` holds; rejects after `timeoutMs` (a hang guard, not a threshold). */
  until(pred: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`SSE: timed out waiting for ${what}`)),
        timeoutMs,
      );
      this.#waiters.push({
        pred,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  ready(): Promise<void> {
    return this.until(() => this.events.includes('ready'), 'ready');
  }

  async close(): Promise<void> {
    if (!this.#closed) await this.#reader.cancel().catch(() => undefined);
  }
}

/** Polls `check` until it returns true (hang guard `timeoutMs`). */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
  const start = Date.now();
  for (;;) {
    if (await check()) return;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Removes a persistent session from the broker (connect once with clean: true). */
export async function dropSession(url: string, clientId: string): Promise<void> {
  const c = await mqtt.connectAsync(url, { clientId, clean: true, reconnectPeriod: 0 });
  await c.endAsync();
}

/** Readings of a sensor since `from` (ms): how many, and how many distinct instants (once each?). */
export async function storedReadings(
  db: Kysely<Database>,
  sensorId: string,
  from: number,
): Promise<{ n: number; distinct: number }> {
  const { rows } = await sql<{ n: string; d: string }>`
    SELECT count(*) AS n, count(DISTINCT ts) AS d FROM readings
    WHERE sensor_id = ${sensorId} AND ts >= ${new Date(from).toISOString()}::timestamptz`.execute(
    db,
  );
  return { n: Number(rows[0]!.n), distinct: Number(rows[0]!.d) };
}
