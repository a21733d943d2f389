import { sql } from 'kysely';
import { AnomalyDetector, type AnomalyEvent } from './anomaly-detector';
import type { SensorService } from './sensor-service';

const FLUSH_MS = 2000;
const SILENCE_CHECK_MS = 30_000;
/** A spike alert closes when no spike was seen for this long. */
const SPIKE_QUIET = "interval '15 minutes'";

/**
 * Runs the anomaly detector on the live stream (every committed reading, from any instance) and
 * keeps `sensor_alerts` up to date. Every instance may run one: opening an alert is an upsert on
 * the one-open-alert-per-sensor-and-kind index, so two instances agree.
 */
export class AnomalyMonitor {
  readonly #service: SensorService;
  readonly detector = new AnomalyDetector();
  #events: AnomalyEvent[] = [];
  #timers: NodeJS.Timeout[] = [];
  #unsubscribe: (() => void) | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(service: SensorService) {
    this.#service = service;
  }

  async start(): Promise<void> {
    const db = this.#service.backend.db;
    const state = await db.selectFrom('sensor_state').select(['sensor_id', 'ts']).execute();
    for (const r of state) this.detector.seen(String(r.sensor_id), new Date(r.ts).getTime());
    this.#unsubscribe = await this.#service.hub.observe((meta, ts, value) => {
      const events = this.detector.observe(meta, ts, value);
      if (events.length > 0) this.#events.push(...events);
    });
    this.#timers.push(setInterval(() => void this.flush(), FLUSH_MS).unref());
    this.#timers.push(
      setInterval(() => {
        const registry = this.#service.registry;
        this.#events.push(...this.detector.silent(Date.now(), (id) => registry.intervalOf(id)));
      }, SILENCE_CHECK_MS).unref(),
    );
  }

  /** Writes pending open/close events (the latest per sensor and kind wins). */
  flush(): Promise<void> {
    this.#flushing = this.#flushing
      .then(() => this.#write())
      .catch((error: unknown) => {
        this.#service.log.warn({ err: error }, 'anomalies: alerts not written; will retry');
      });
    return this.#flushing;
  }

  async #write(): Promise<void> {
    if (this.#events.length === 0) return;
    const batch = this.#events.splice(0);
    try {
      await this.#store(batch);
    } catch (error) {
      this.#events.unshift(...batch);
      throw error;
    }
  }

  async #store(batch: AnomalyEvent[]): Promise<void> {
    const latest = new Map<string, AnomalyEvent>();
    for (const e of batch) latest.set(`${e.sensorId}|${e.kind}`, e);
    const events = [...latest.values()];
    const db = this.#service.backend.db;
    const open = events.filter((e) => e.action === 'open');
    const close = events.filter((e) => e.action === 'close');
    await db.transaction().execute(async (trx) => {
      if (open.length > 0) {
        const input = JSON.stringify(
          open.map((e) => ({ s: e.sensorId, k: e.kind, v: e.value, d: e.detail })),
        );
        await sql`INSERT INTO sensor_alerts (sensor_id, kind, value, detail)
          SELECT s, k, v, d FROM jsonb_to_recordset(${input}::text::jsonb) AS t(s bigint, k text, v float8, d jsonb)
          WHERE EXISTS (SELECT 1 FROM sensors WHERE id = t.s)
          ON CONFLICT (sensor_id, kind) WHERE closed_at IS NULL
          DO UPDATE SET last_seen_at = now(), value = excluded.value, detail = excluded.detail`.execute(
          trx,
        );
      }
      if (close.length > 0) {
        const input = JSON.stringify(close.map((e) => ({ s: e.sensorId, k: e.kind })));
        await sql`UPDATE sensor_alerts a SET closed_at = now()
          FROM jsonb_to_recordset(${input}::text::jsonb) AS t(s bigint, k text)
          WHERE a.sensor_id = t.s AND a.kind = t.k AND a.closed_at IS NULL`.execute(trx);
      }
      await sql`UPDATE sensor_alerts SET closed_at = now()
        WHERE kind = 'spike' AND closed_at IS NULL AND last_seen_at < now() - ${sql.raw(SPIKE_QUIET)}`.execute(
        trx,
      );
    });
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    this.#unsubscribe?.();
    await this.flush();
  }
}
