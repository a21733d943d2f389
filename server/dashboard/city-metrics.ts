import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { Logger } from '../log';

/** Width of one roll-up bucket, seconds. */
export const BUCKET_S = 300;
const BUCKET = sql.raw(`interval '${BUCKET_S} seconds'`);
const ORIGIN = sql.raw(`TIMESTAMPTZ '2000-01-01 00:00:00+00'`);

/** The start of the bucket holding `t`. */
export const bucketStart = (t: number) => Math.floor(t / 1000 / BUCKET_S) * BUCKET_S * 1000;

/**
 * Recomputes the city-wide figures of every bucket that starts in [from, to) from the readings
 * in it, and upserts them into `city_metrics`:
 * - `traffic_speed_ratio`: mean over readings of speed ÷ the sensor's free-flow speed;
 * - `water_demand_ratio`: Σ mean flow ÷ Σ capacity over the water-flow sensors that reported;
 * - `power_load_ratio`: Σ mean load ÷ Σ rated capacity over the substations that reported.
 * Returns the number of rows written.
 */
export async function rollupCityMetrics(
  db: Kysely<Database>,
  from: number,
  to: number,
): Promise<number> {
  const f = new Date(bucketStart(from)).toISOString();
  const t = new Date(to).toISOString();
  const { rows } = await sql<{ n: string | number }>`
    WITH per_sensor AS (
      SELECT date_bin(${BUCKET}, r.ts, ${ORIGIN}) AS bucket, s.kind, s.asset_type, r.sensor_id,
        avg(r.value) AS v, count(*) AS n, max(s.reference_value) AS ref
      FROM readings r JOIN sensors s ON s.id = r.sensor_id
      WHERE r.ts >= ${f}::timestamptz AND r.ts < ${t}::timestamptz AND s.reference_value > 0
        AND (s.kind IN ('traffic_speed', 'water_flow')
          OR (s.kind = 'power_load' AND s.asset_type = 'power_node'))
      GROUP BY 1, 2, 3, 4
    ), figures AS (
      SELECT 'traffic_speed_ratio' AS metric, bucket, sum(v * n / ref) / sum(n) AS value, sum(n) AS samples
      FROM per_sensor WHERE kind = 'traffic_speed' GROUP BY bucket
      UNION ALL
      SELECT 'water_demand_ratio', bucket, sum(v) / sum(ref), count(*)
      FROM per_sensor WHERE kind = 'water_flow' GROUP BY bucket
      UNION ALL
      SELECT 'power_load_ratio', bucket, sum(v) / sum(ref), count(*)
      FROM per_sensor WHERE kind = 'power_load' GROUP BY bucket
    ), up AS (
      INSERT INTO city_metrics (metric, bucket, value, samples)
      SELECT metric, bucket, value, samples FROM figures
      ON CONFLICT (metric, bucket) DO UPDATE
        SET value = excluded.value, samples = excluded.samples, computed_at = now()
      RETURNING 1
    ) SELECT count(*) AS n FROM up`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** Rolls up [from, to) an hour at a time (a backfill or a catch-up after downtime). */
export async function rollupRange(db: Kysely<Database>, from: number, to: number): Promise<number> {
  let written = 0;
  for (let t = bucketStart(from); t < to; t += 3600_000) {
    written += await rollupCityMetrics(db, t, Math.min(to, t + 3600_000));
  }
  return written;
}

/** How often the live roll-up runs. */
const EVERY_MS = 60_000;

/**
 * Keeps `city_metrics` current: every minute it recomputes the previous and the current bucket
 * (so readings that arrive a few minutes late still count); at start it catches up from the
 * last bucket it has, at most a day back.
 */
export class CityMetricsRollup {
  readonly #db: Kysely<Database>;
  readonly #log: Logger;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> = Promise.resolve();

  constructor(db: Kysely<Database>, log: Logger) {
    this.#db = db;
    this.#log = log;
  }

  async start(): Promise<void> {
    const last = await this.#db
      .selectFrom('city_metrics')
      .select((eb) => eb.fn.max('bucket').as('bucket'))
      .executeTakeFirst();
    const now = Date.now();
    const from = Math.max(last?.bucket ? new Date(last.bucket).getTime() : 0, now - 86_400_000);
    await rollupRange(this.#db, from, now);
    this.#timer = setInterval(() => void this.tick(Date.now()), EVERY_MS);
    this.#timer.unref();
  }

  /** One live pass; passes never overlap. */
  tick(now: number): Promise<unknown> {
    this.#running = this.#running
      .then(() => rollupCityMetrics(this.#db, bucketStart(now) - BUCKET_S * 1000, now + 1))
      .catch((error: unknown) =>
        this.#log.warn({ err: error }, 'city metrics: roll-up failed; retrying next minute'),
      );
    return this.#running;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#running;
  }
}
