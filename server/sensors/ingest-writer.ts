import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';

/** A reading whose sensor is known: `sensorId` is `sensors.id`, `ts` epoch milliseconds. */
export interface ResolvedReading {
  sensorId: string;
  ts: number;
  value: number;
}

export interface WriteResult {
  accepted: number;
  duplicate: number;
  /**
   * Sensor ids among the rows that no longer exist (deleted with their dataset after a cache
   * had them): their rows were not written and count in neither number above.
   */
  gone: string[];
}

/** Ingest is saturated or the database is failing: push back, nothing was written. */
export class IngestBusyError extends Error {
  override name = 'IngestBusyError';
}

/** The NOTIFY channel every instance listens on; payloads are `[[sensorId, tsMs, value], …]`. */
export const READINGS_CHANNEL = 'twin_readings';
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; stay well below. */
const MAX_PAYLOAD = 7600;

interface Job {
  rows: ResolvedReading[];
  resolve(result: WriteResult): void;
  reject(error: unknown): void;
}

export interface IngestWriterOptions {
  db: Kysely<Database>;
  /** Readings waiting or being written, at most; beyond it `submit` throws `IngestBusyError`. */
  maxInFlight: number;
  /** Rows per transaction, at most (a larger single submission is written alone). */
  maxBatchRows?: number;
  /** Transactions in flight at once. */
  concurrency?: number;
  /** After a failed write, new submissions are refused for this long (fail fast, 503). */
  coolDownMs?: number;
  /**
   * A transaction that has not answered by then is given up (its submitters get an error and
   * may retry: a row that did commit comes back as a duplicate), so a connection wedged by a
   * database restart cannot hold ingest forever.
   */
  writeTimeoutMs?: number;
}

/**
 * Group commit for readings: submissions that arrive while a transaction runs are written
 * together in the next one (one multi-row INSERT … ON CONFLICT DO NOTHING, the current-state
 * upsert and the NOTIFY to every instance, all in one transaction). `submit` resolves only after
 * COMMIT, with how many rows were new and how many already stored.
 */
export class IngestWriter {
  readonly #db: Kysely<Database>;
  readonly #maxInFlight: number;
  readonly #maxBatchRows: number;
  readonly #concurrency: number;
  readonly #coolDownMs: number;
  readonly #writeTimeoutMs: number;
  readonly #pending: Job[] = [];
  #inFlight = 0;
  #running = 0;
  #failingUntil = 0;
  #lastError: Error | undefined;

  constructor(options: IngestWriterOptions) {
    this.#db = options.db;
    this.#maxInFlight = options.maxInFlight;
    this.#maxBatchRows = options.maxBatchRows ?? 5000;
    this.#concurrency = options.concurrency ?? 2;
    this.#coolDownMs = options.coolDownMs ?? 1000;
    this.#writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
  }

  /** Readings accepted for writing and not yet committed or failed. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** True while the last write failed and the cool-down has not passed. */
  get failing(): boolean {
    return Date.now() < this.#failingUntil;
  }

  get lastError(): Error | undefined {
    return this.#lastError;
  }

  /** Queues readings for the next transaction; resolves after COMMIT. */
  submit(rows: ResolvedReading[]): Promise<WriteResult> {
    if (rows.length === 0) return Promise.resolve({ accepted: 0, duplicate: 0, gone: [] });
    if (this.failing) {
      return Promise.reject(new IngestBusyError('the database is unavailable; retry shortly'));
    }
    if (this.#inFlight + rows.length > this.#maxInFlight) {
      return Promise.reject(new IngestBusyError('ingest is saturated; retry shortly'));
    }
    this.#inFlight += rows.length;
    return new Promise<WriteResult>((resolve, reject) => {
      this.#pending.push({ rows, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#running < this.#concurrency && this.#pending.length > 0) {
      const jobs: Job[] = [];
      let count = 0;
      while (this.#pending.length > 0) {
        const next = this.#pending[0]!;
        if (jobs.length > 0 && count + next.rows.length > this.#maxBatchRows) break;
        jobs.push(this.#pending.shift()!);
        count += next.rows.length;
      }
      this.#running++;
      void this.#write(jobs).finally(() => {
        this.#running--;
        this.#inFlight -= count;
        this.#pump();
      });
    }
  }

  async #write(jobs: Job[]): Promise<void> {
    const rows = jobs.flatMap((j) => j.rows);
    let written: Written;
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer from the database in ${this.#writeTimeoutMs} ms`)),
          this.#writeTimeoutMs,
        );
      });
      try {
        // A sensor deleted with its dataset (issue #10) while a registry still had it fails the
        // sensor_state foreign key: only then is the batch written again, checking every sensor.
        const write = writeReadings(this.#db, rows).catch((error: unknown) => {
          if ((error as { code?: string }).code === '23503') return writeReadings(this.#db, rows, true);
          throw error;
        });
        written = await Promise.race([write, timeout]);
      } finally {
        clearTimeout(timer);
      }
      this.#failingUntil = 0;
      this.#lastError = undefined;
    } catch (error) {
      this.#lastError = error as Error;
      this.#failingUntil = Date.now() + this.#coolDownMs;
      for (const job of jobs) job.reject(error);
      return;
    }
    const { inserted, gone } = written;
    for (const job of jobs) {
      let accepted = 0;
      let vanished = 0;
      const goneHere = new Set<string>();
      for (const r of job.rows) {
        if (gone.has(String(r.sensorId))) {
          vanished++;
          goneHere.add(String(r.sensorId));
        // Deleting the key makes a second copy in the same transaction count as a duplicate.
        } else if (inserted.delete(`${r.sensorId}|${r.ts}`)) accepted++;
      }
      job.resolve({ accepted, duplicate: job.rows.length - accepted - vanished, gone: [...goneHere] });
    }
  }
}

/** The `sensorId|tsMs` keys that were new, and the ids of sensors that no longer exist. */
export interface Written {
  inserted: Set<string>;
  gone: Set<string>;
}

/**
 * Writes readings in one transaction: new rows into `readings`, the latest per sensor into
 * `sensor_state`, and NOTIFY payloads for the live stream (delivered only on COMMIT). With
 * `checkSensors`, rows of sensors that no longer exist (a dataset delete, issue #10, after a
 * registry cached them) are left out and their ids returned in `gone`; without it (the hot path)
 * such a row fails the transaction on sensor_state's foreign key.
 */
export async function writeReadings(
  db: Kysely<Database>,
  rows: ResolvedReading[],
  checkSensors = false,
): Promise<Written> {
  const input = JSON.stringify(
    rows.map((r) => ({ s: r.sensorId, t: new Date(r.ts).toISOString(), v: r.value })),
  );
  return db.transaction().execute(async (trx) => {
    const { rows: result } = await sql<{ sensor_id: string | number; ms: number | null; value: number | null }>`
      WITH input AS (
        SELECT * FROM jsonb_to_recordset(${input}::text::jsonb) AS t(s bigint, t timestamptz, v float8)
      ), known AS (
        SELECT i.* FROM input i ${checkSensors ? sql`WHERE EXISTS (SELECT 1 FROM sensors x WHERE x.id = i.s)` : sql``}
      ), ins AS (
        INSERT INTO readings (sensor_id, ts, value) SELECT s, t, v FROM known
        ON CONFLICT (sensor_id, ts) DO NOTHING
        RETURNING sensor_id, ts, value
      ), st AS (
        INSERT INTO sensor_state (sensor_id, ts, value, received_at)
        SELECT DISTINCT ON (sensor_id) sensor_id, ts, value, now() FROM ins
        ORDER BY sensor_id, ts DESC
        ON CONFLICT (sensor_id) DO UPDATE
          SET ts = excluded.ts, value = excluded.value, received_at = excluded.received_at
          WHERE sensor_state.ts < excluded.ts
      )
      SELECT sensor_id, (extract(epoch FROM ts) * 1000)::float8 AS ms, value FROM ins
      ${checkSensors ? sql`UNION ALL
      SELECT DISTINCT i.s, NULL::float8, NULL::float8 FROM input i WHERE NOT EXISTS (SELECT 1 FROM sensors x WHERE x.id = i.s)` : sql``}`.execute(trx);
    const fresh = result.filter((r) => r.ms !== null);
    const gone = new Set(result.filter((r) => r.ms === null).map((r) => String(r.sensor_id)));
    const keys = new Set<string>();
    const compact: [number, number, number][] = [];
    for (const r of fresh) {
      keys.add(`${r.sensor_id}|${Math.round(Number(r.ms))}`);
      compact.push([Number(r.sensor_id), Math.round(Number(r.ms)), Number(r.value)]);
    }
    // Oldest first, as the live stream and the anomaly detector expect (the check for vanished
    // sensors lets the planner reorder the rows; the sort is stable for equal times).
    compact.sort((x, y) => x[1] - y[1]);
    const payloads = chunkPayloads(compact);
    if (payloads.length > 0) {
      await sql`SELECT pg_notify(${READINGS_CHANNEL}, p)
        FROM jsonb_array_elements_text(${JSON.stringify(payloads)}::text::jsonb) AS p`.execute(trx);
    }
    return { inserted: keys, gone };
  });
}

/** Splits `[[id, ts, value], …]` into JSON arrays that each fit one NOTIFY. */
export function chunkPayloads(items: [number, number, number][]): string[] {
  const out: string[] = [];
  let parts: string[] = [];
  let size = 2;
  for (const item of items) {
    const s = JSON.stringify(item);
    if (parts.length > 0 && size + s.length + 1 > MAX_PAYLOAD) {
      out.push(`[${parts.join(',')}]`);
      parts = [];
      size = 2;
    }
    parts.push(s);
    size += s.length + 1;
  }
  if (parts.length > 0) out.push(`[${parts.join(',')}]`);
  return out;
}
