import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../../schema/database';
import type { RejectReason } from '../../common/sensor-types';
import { twinError } from '../../common/twin-error';

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
   * Rows the database refused although they passed the checks before it: rows of sensors
   * deleted (with their dataset, issue #10) after a cache had them, and rows found by writing
   * the submission in halves until the refused rows stand alone. `position` in the submitted rows.
   */
  refused: { position: number; reason: RejectReason; message: string }[];
}

/** Ingest is saturated or the database is failing: push back, nothing was written. */
export class IngestBusyError extends twinError('IngestBusyError', 503, 'unavailable') {}

/** The NOTIFY channel every instance listens on; payloads are `[[sensorId, tsMs, value], …]`. */
export const READINGS_CHANNEL = 'twin_readings';
/**
 * Readings per NOTIFY payload: an item is at most ~60 bytes (`[id ≤ 19 digits, ms, float8]`), and
 * PostgreSQL refuses payloads of 8000 bytes or more.
 */
const PER_NOTIFY = 100;

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
 * Group commit for readings: submissions that arrive while a write runs are written together in
 * the next one (one statement: INSERT … ON CONFLICT DO NOTHING, the current-state upsert and the
 * NOTIFY to every instance — one transaction). `submit` resolves only after COMMIT, with how
 * many rows were new and how many already stored. When the database refuses the rows themselves
 * (a data or constraint error), each submission is written on its own and the refused rows are
 * found by halving, so the good rows are stored and only the bad ones rejected; only a failing
 * database fails a submission (`IngestBusyError` / its error: nothing stored, retry).
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
  /** Writes left that go straight to ON CONFLICT, after one met an already stored row. */
  #conflictWrites = 0;
  /**
   * With NATS (issue #16): each committed statement's new rows, as READINGS_CHANNEL payloads,
   * go here instead of to pg_notify.
   */
  live: ((payload: string) => void) | undefined;

  constructor(options: IngestWriterOptions) {
    this.#db = options.db;
    this.#maxInFlight = options.maxInFlight;
    // Larger statements amortise the commit (one WAL flush) and the per-statement work.
    this.#maxBatchRows = options.maxBatchRows ?? 20_000;
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
    if (rows.length === 0) return Promise.resolve({ accepted: 0, duplicate: 0, refused: [] });
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
    let batches = jobs.map((j) => j.rows);
    let gone = new Set<string>();
    let accepted: number[];
    try {
      accepted = await this.#withTimeout(
        writeReadings(this.#db, batches, this.live, this.#plain()).catch(async (error: unknown) => {
          // A sensor deleted with its dataset (issue #10) while a registry still had it fails
          // sensor_state's foreign key: only then are the sensors looked up, and the group is
          // written again (the same statement) without the rows of sensors that no longer exist.
          // One lookup, where halving would cost a statement per vanished sensor and level.
          if ((error as { code?: string } | undefined)?.code !== '23503') throw error;
          gone = await missingSensors(this.#db, batches.flat());
          if (gone.size === 0) throw error;
          batches = batches.map((rows) => rows.filter((r) => !gone.has(String(r.sensorId))));
          return writeReadings(this.#db, batches, this.live, this.#plain());
        }),
      );
      this.#failingUntil = 0;
      this.#lastError = undefined;
    } catch (error) {
      if (isDataError(error)) {
        // Something in the rows, not the database: write each submission on its own and find
        // the refused rows, so one client's bad reading never fails another's.
        await Promise.all(jobs.map((job) => this.#isolate(job)));
        return;
      }
      this.#lastError = error as Error;
      this.#failingUntil = Date.now() + this.#coolDownMs;
      for (const job of jobs) job.reject(error);
      return;
    }
    jobs.forEach((job, i) => {
      const n = accepted[i] ?? 0;
      const refused: WriteResult['refused'] = [];
      if (gone.size > 0) {
        job.rows.forEach((r, position) => {
          if (gone.has(String(r.sensorId))) refused.push({ position, ...GONE });
        });
      }
      job.resolve({ accepted: n, duplicate: job.rows.length - n - refused.length, refused });
    });
  }

  /** Writes one submission in halves until the rows the database refuses stand alone. */
  async #isolate(job: Job): Promise<void> {
    const result: WriteResult = { accepted: 0, duplicate: 0, refused: [] };
    const split = async (from: number, to: number): Promise<void> => {
      const rows = job.rows.slice(from, to);
      try {
        const [n = 0] = await this.#withTimeout(
          writeReadings(this.#db, [rows], this.live, this.#plain()),
        );
        result.accepted += n;
        result.duplicate += rows.length - n;
      } catch (error) {
        if (!isDataError(error)) throw error;
        if (rows.length === 1) {
          result.refused.push({ position: from, ...refusal(error) });
          return;
        }
        const mid = from + Math.ceil(rows.length / 2);
        await split(from, mid);
        await split(mid, to);
      }
    };
    try {
      await split(0, job.rows.length);
      job.resolve(result);
    } catch (error) {
      this.#lastError = error as Error;
      this.#failingUntil = Date.now() + this.#coolDownMs;
      job.reject(error);
    }
  }

  /**
   * Whether the next write first assumes its rows are new (writeReadings): not for a while
   * after one was not (a replayed backlog would otherwise pay for every statement twice).
   */
  #plain(): { plain: boolean; onDuplicate: () => void } {
    const plain = this.#conflictWrites === 0;
    if (!plain) this.#conflictWrites--;
    return { plain, onDuplicate: () => (this.#conflictWrites = DUPLICATE_PAUSE) };
  }

  /**
   * A write that has not answered by then is given up (its submitters get an error and may
   * retry: a row that did commit comes back as a duplicate).
   */
  async #withTimeout<T>(write: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer from the database in ${this.#writeTimeoutMs} ms`)),
        this.#writeTimeoutMs,
      );
    });
    try {
      return await Promise.race([write, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Writes that skip the plain INSERT after it met a stored row. */
const DUPLICATE_PAUSE = 32;

const GONE = { reason: 'unknown_sensor', message: 'the sensor no longer exists' } as const;

/**
 * SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation): the rows are at
 * fault, not the database. Everything else (connection lost, shutting down, out of resources,
 * timeouts) means the database is failing: nothing was stored, the client should retry.
 */
export function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^2[23][0-9A-Z]{3}$/.test(code);
}

function refusal(error: unknown): { reason: RejectReason; message: string } {
  const code = (error as { code: string }).code;
  // 23503: the sensor was deleted after it was resolved (sensor_state's foreign key).
  if (code === '23503') return GONE;
  // The SQLSTATE only: the database's message may quote the statement.
  return { reason: 'malformed', message: `the database refused this reading (SQLSTATE ${code})` };
}

/** The ids among the rows' sensors that are no longer in `sensors`. */
export async function missingSensors(
  db: Kysely<Database>,
  rows: ResolvedReading[],
): Promise<Set<string>> {
  const ids = [...new Set(rows.map((r) => String(r.sensorId)))];
  const { rows: found } = await sql<{ id: string | number }>`
    SELECT i.id FROM unnest(string_to_array(${list(ids)}::text, ',')::bigint[]) AS i(id)
    WHERE NOT EXISTS (SELECT 1 FROM sensors s WHERE s.id = i.id)`.execute(db);
  return new Set(found.map((r) => String(r.id)));
}

/** `1,2,3`: a list bound as one text parameter, split by `string_to_array` (both drivers). */
const list = (values: (number | string)[]) => values.join(',');

/**
 * Writes submissions of readings in ONE statement (so one implicit transaction, and on
 * PostgreSQL no connection held between round trips): new rows into `readings` (a repeated
 * (sensor, ts) is kept once), the latest per sensor into `sensor_state`, and NOTIFY payloads for
 * the live stream, delivered only on COMMIT. Lists travel as text parameters. Returns how many
 * rows of each submission were new.
 *
 * Live readings are almost never stored already, so the statement first assumes they are all
 * new: a plain INSERT, the state from the input, and the NOTIFY payloads built here. A plain
 * INSERT costs PostgreSQL about a third less per row than INSERT … ON CONFLICT, and building
 * the payloads here takes their JSON off the database (docs/performance.md). When a row is
 * already stored (or repeated within the statement) the INSERT fails with unique_violation,
 * nothing of it stays, and the rows are written again with ON CONFLICT DO NOTHING, which sorts
 * the new from the stored. `plain: false` goes straight there (a writer that just saw
 * duplicates, e.g. a sensor replaying its backlog); `onDuplicate` is told when the plain
 * statement met a stored row.
 */
export async function writeReadings(
  db: Kysely<Database>,
  jobs: ResolvedReading[][],
  live?: (payload: string) => void,
  { plain = true, onDuplicate }: { plain?: boolean; onDuplicate?: () => void } = {},
): Promise<number[]> {
  if (plain) {
    try {
      return await writeAllNew(db, jobs, live);
    } catch (error) {
      if ((error as { code?: string } | undefined)?.code !== '23505') throw error;
      onDuplicate?.();
    }
  }
  const job: number[] = [];
  const sensor: string[] = [];
  const ms: number[] = [];
  const value: number[] = [];
  jobs.forEach((rows, j) => {
    for (const r of rows) {
      job.push(j);
      sensor.push(r.sensorId);
      ms.push(r.ts);
      value.push(r.value);
    }
  });
  const { rows } = await sql<{
    n: number | null;
    sensor_id: string | number | null;
    payload?: string;
  }>`
    WITH input AS (
      SELECT j, s, to_timestamp(t / 1000.0) AS ts, v
      FROM unnest(string_to_array(${list(job)}::text, ',')::int[],
                  string_to_array(${list(sensor)}::text, ',')::bigint[],
                  string_to_array(${list(ms)}::text, ',')::float8[],
                  string_to_array(${list(value)}::text, ',')::float8[]) AS i(j, s, t, v)
    ), ins AS (
      INSERT INTO readings (sensor_id, ts, value) SELECT s, ts, v FROM input
      ON CONFLICT (sensor_id, ts) DO NOTHING
      RETURNING sensor_id, ts, value
    ), st AS (${stateUpsert(sql`ins`)}), notified AS (
      -- With a live publisher (NATS, issue #16) the payloads come back and are published after COMMIT.
      SELECT CASE WHEN ${live ? 'nats' : 'notify'}::text = 'notify' THEN pg_notify(${READINGS_CHANNEL}, payload) END AS sent, payload FROM (
        SELECT json_agg(json_build_array(sensor_id, (extract(epoch FROM ts) * 1000)::float8, value))::text AS payload
        FROM (SELECT sensor_id, ts, value, (row_number() OVER () - 1) / ${PER_NOTIFY}::int AS chunk FROM ins) c
        GROUP BY chunk
      ) p
    )
    ${
      live
        ? sql`SELECT NULL::float8 AS n, NULL::bigint AS sensor_id, payload FROM notified`
        : jobs.length === 1
          ? sql`SELECT (SELECT count(*) FROM ins)::float8 AS n, NULL::bigint AS sensor_id,
              (SELECT count(*) FROM notified) AS sent`
          : // The count (the row whose sensor_id is NULL); when it is short of the rows sent,
            // also every new row, and which submission each belongs to is settled below, in
            // JavaScript: joining `ins` back to `input` in SQL let the planner pick a nested loop
            // over the two CTEs (estimated at 100 rows each), quadratic in the batch. When every
            // row is new (live readings), one row comes back instead of one per reading.
            sql`SELECT (SELECT count(*) FROM ins)::float8 AS n, NULL::bigint AS sensor_id,
                (SELECT count(*) FROM notified) AS sent
              UNION ALL
              SELECT (extract(epoch FROM ins.ts) * 1000)::float8, ins.sensor_id, NULL FROM ins
              WHERE (SELECT count(*) FROM ins) < ${sensor.length}::int`
    }`.execute(db);
  if (live) {
    // Each payload is `[[sensorId, tsMs, value], …]` of new rows: they say which rows were new.
    const items = rows.map((r) => JSON.parse(r.payload!) as [number | string, number, number][]);
    for (const r of rows) live(r.payload!);
    return creditFresh(
      jobs,
      items.flat().map(([id, t]) => `${id}|${Math.round(Number(t))}`),
    );
  }
  if (jobs.length === 1) return [Number(rows[0]?.n ?? 0)];
  const fresh = rows.filter((r) => r.sensor_id !== null);
  const count = Number(rows.find((r) => r.sensor_id === null)?.n ?? 0);
  if (count === sensor.length) return jobs.map((rs) => rs.length);
  return creditFresh(
    jobs,
    fresh.map((r) => `${r.sensor_id}|${Math.round(Number(r.n))}`),
  );
}

/**
 * The statement for rows that are all new: unique_violation (23505) when one is not, and then
 * nothing was written. The NOTIFY payloads (or, with a live publisher, what it publishes after
 * COMMIT) are built here, `[[sensorId, tsMs, value], …]` as the live hub reads them.
 */
async function writeAllNew(
  db: Kysely<Database>,
  jobs: ResolvedReading[][],
  live?: (payload: string) => void,
): Promise<number[]> {
  const n = jobs.reduce((sum, rows) => sum + rows.length, 0);
  if (n === 0) return jobs.map(() => 0);
  const sensor = new Array<string>(n);
  const ms = new Array<number>(n);
  const value = new Array<number>(n);
  const payloads: string[] = [];
  let chunk = '';
  let i = 0;
  for (const rows of jobs) {
    for (const r of rows) {
      sensor[i] = r.sensorId;
      ms[i] = r.ts;
      value[i] = r.value;
      // Finite numbers (the parser's check): String() of each is valid JSON.
      chunk += `${chunk === '' ? '[' : ','}[${r.sensorId},${r.ts},${r.value}]`;
      if (++i % PER_NOTIFY === 0) {
        payloads.push(`${chunk}]`);
        chunk = '';
      }
    }
  }
  if (chunk !== '') payloads.push(`${chunk}]`);
  // JSON holds no raw line break: the payloads travel as one text parameter, split in SQL.
  await sql`
    WITH input AS (
      SELECT s, to_timestamp(t / 1000.0) AS ts, v
      FROM unnest(string_to_array(${list(sensor)}::text, ',')::bigint[],
                  string_to_array(${list(ms)}::text, ',')::float8[],
                  string_to_array(${list(value)}::text, ',')::float8[]) AS i(s, t, v)
    ), ins AS (
      INSERT INTO readings (sensor_id, ts, value) SELECT s, ts, v FROM input
    ), st AS (${stateUpsert(sql`(SELECT s AS sensor_id, ts, v AS value FROM input)`)})
    ${
      live
        ? sql`SELECT 1 AS sent`
        : sql`SELECT count(pg_notify(${READINGS_CHANNEL}, p))::float8 AS sent
            FROM string_to_table(${payloads.join('\n')}::text, E'\n') AS p`
    }`.execute(db);
  if (live) for (const p of payloads) live(p);
  return jobs.map((rows) => rows.length);
}

/**
 * The `sensor_state` upsert of a write, from `rows` (sensor_id, ts, value): only sensors whose
 * state this moves forward. ON CONFLICT … DO UPDATE … WHERE locks the row even when the WHERE is
 * false, so late or replayed readings would otherwise lock (and dirty) every sensor's state row
 * and make concurrent writes wait on each other.
 */
const stateUpsert = (rows: RawBuilder<unknown>) => sql`
  INSERT INTO sensor_state (sensor_id, ts, value, received_at)
  SELECT l.sensor_id, l.ts, l.value, now()
  FROM (SELECT DISTINCT ON (sensor_id) sensor_id, ts, value FROM ${rows} r ORDER BY sensor_id, ts DESC) l
  WHERE NOT EXISTS (SELECT 1 FROM sensor_state x WHERE x.sensor_id = l.sensor_id AND x.ts >= l.ts)
  ON CONFLICT (sensor_id) DO UPDATE
    SET ts = excluded.ts, value = excluded.value, received_at = excluded.received_at
    WHERE sensor_state.ts < excluded.ts`;

/** How many of each submission's rows are among the new ones (`sensor|tsMs`). */
function creditFresh(jobs: ResolvedReading[][], keys: string[]): number[] {
  // A (sensor, ts) sent twice in one statement is new once: credit the first submission.
  const fresh = new Set(keys);
  return jobs.map((rs) => {
    let n = 0;
    for (const r of rs) if (fresh.delete(`${r.sensorId}|${r.ts}`)) n++;
    return n;
  });
}
