import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { CountData } from './odme';

/** Days of history the peak-hour counts are averaged over. */
export const COUNT_DAYS = 7;
/** Below this many hours of peak-hour counts the baseline stays uncalibrated. */
export const MIN_COUNT_HOURS = 0.5;

/** The tables of issue #4 exist (they are built in parallel; calibration is optional). */
async function hasSensorTables(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    SELECT to_regclass('sensor_state') IS NOT NULL AND to_regclass('sensors') IS NOT NULL
      AND to_regclass('readings') IS NOT NULL AS ok`.execute(db);
  return Boolean(rows[0]?.ok);
}

/**
 * The peak-hour windows of the last COUNT_DAYS days: [start, end) in UTC of the local solar hour
 * `peakHour` at longitude `lon` (local solar time = UTC + lon/15 h), latest first, only those begun.
 */
export function peakWindows(
  now: Date,
  lon: number,
  peakHour: number,
  days = COUNT_DAYS,
): [Date, Date][] {
  const out: [Date, Date][] = [];
  const offsetMs = (lon / 15) * 3_600_000;
  const today = Math.floor((now.getTime() + offsetMs) / 86_400_000) * 86_400_000;
  for (let d = 0; d <= days; d++) {
    const start = today - d * 86_400_000 + peakHour * 3_600_000 - offsetMs;
    if (start >= now.getTime()) continue;
    out.push([new Date(start), new Date(Math.min(start + 3_600_000, now.getTime()))]);
    if (out.length === days) break;
  }
  return out;
}

/**
 * The latest peak hour that has ended: [start, start + 1 h). During the peak hour itself the
 * latest window of `peakWindows` is still open (it ends now); this is the day before's.
 */
export function latestFullPeakWindow(now: Date, lon: number, peakHour: number): [Date, Date] {
  const [latest, previous] = peakWindows(now, lon, peakHour, 2);
  return latest![1].getTime() - latest![0].getTime() === 3_600_000 ? latest! : previous!;
}

/**
 * Observed peak-hour flow per `traffic_flow` sensor on a road link: the mean of its readings
 * inside the peak-hour windows of the last week (veh/h), with how many readings that is; and the
 * hours of peak-hour data in all (5-minute slots with a reading from any site ÷ 12). The same readings
 * always give the same numbers, and outside the peak hour nothing changes.
 */
export async function loadCounts(
  db: Kysely<Database>,
  lon: number,
  peakHour: number,
  now = new Date(),
): Promise<{ counts: CountData | null; epoch: string }> {
  if (!(await hasSensorTables(db))) return { counts: null, epoch: 'none' };
  const windows = peakWindows(now, lon, peakHour);
  if (windows.length === 0) return { counts: null, epoch: 'none' };
  const epoch = await countEpoch(db, lon, peakHour, now);
  // The peak hours' readings of every sensor, read once (one bound range per window, ORed, so
  // partitions and blocks outside them are skipped), then averaged per sensor and joined to the
  // count sites. Joined first, PostgreSQL read each site's whole week through the primary key
  // and dropped 15 of 16 rows, in each of two statements (0.75 s apiece for a week of history;
  // an EXISTS over a JSON list of windows before that read the whole table: 10 s).
  const inWindows = sql`(${sql.join(
    windows.map(
      ([a, b]) =>
        sql`(r.ts >= ${a.toISOString()}::timestamptz AND r.ts < ${b.toISOString()}::timestamptz)`,
    ),
    sql` OR `,
  )})`;
  const from = windows.at(-1)![0];
  const { rows } = await sql<{
    sensor: string;
    link_id: string;
    observed: number;
    readings: number;
    slots: number;
  }>`
    WITH hits AS MATERIALIZED (
        SELECT r.sensor_id, r.ts, r.value FROM readings r
        WHERE r.ts >= ${from.toISOString()}::timestamptz AND ${inWindows}),
      per_sensor AS (
        -- numeric: the mean does not depend on the order rows are summed in (a stable baseline)
        SELECT sensor_id, round(avg(value::numeric), 3)::float8 AS observed, count(*)::int AS readings
        FROM hits GROUP BY sensor_id)
    SELECT s.id::text AS sensor, s.asset_id::text AS link_id, p.observed, p.readings,
      -- Coverage in 5-minute slots (sensors report every minute or every few minutes).
      (SELECT count(DISTINCT floor(extract(epoch FROM h.ts) / 300))::int
        FROM hits h JOIN sensors x ON x.id = h.sensor_id
        WHERE x.kind = 'traffic_flow' AND x.asset_type = 'road_link') AS slots
    FROM sensors s JOIN per_sensor p ON p.sensor_id = s.id
    WHERE s.kind = 'traffic_flow' AND s.asset_type = 'road_link' AND s.asset_id IS NOT NULL
    ORDER BY s.id`.execute(db);
  if (rows.length === 0) return { counts: null, epoch: 'none' };
  const minutes = 5 * Number(rows[0]!.slots);
  return {
    counts: {
      sites: rows.map((r) => ({
        sensor: r.sensor,
        linkId: r.link_id,
        observed: Number(r.observed),
        readings: Number(r.readings),
      })),
      hoursOfData: minutes / 60,
      minHours: MIN_COUNT_HOURS,
    },
    epoch,
  };
}

/**
 * Changes when a quarter of an hour of new peak-hour counts has arrived in any of the week's
 * windows (the open one, or one filled in afterwards: a replay, the demo's backfill) and once a
 * day, as the windows move on: part of the baseline key, so calibration follows the counts
 * without being rebuilt on every reading. One statement of 4 probes per window, each stopping at
 * the first reading it finds (the BRIN index on ts bounds each to its quarter's blocks).
 */
export async function countEpoch(
  db: Kysely<Database>,
  lon: number,
  peakHour: number,
  now = new Date(),
): Promise<string> {
  if (!(await hasSensorTables(db))) return 'none';
  const windows = peakWindows(now, lon, peakHour);
  if (windows.length === 0) return 'none';
  const quarters = windows.flatMap(([start], w) =>
    [0, 1, 2, 3].map((q) => {
      const a = start.getTime() + q * 900_000;
      return sql`(${4 * w + q}::int, ${new Date(a).toISOString()}::timestamptz, ${new Date(a + 900_000).toISOString()}::timestamptz)`;
    }),
  );
  const { rows } = await sql<{ filled: string }>`
    SELECT string_agg(CASE WHEN EXISTS (
        SELECT 1 FROM readings r
        WHERE r.ts >= q.a AND r.ts < q.b
          AND r.sensor_id IN (SELECT id FROM sensors WHERE kind = 'traffic_flow' AND asset_type = 'road_link'))
      THEN '1' ELSE '0' END, '' ORDER BY q.i) AS filled
    FROM (VALUES ${sql.join(quarters)}) AS q(i, a, b)`.execute(db);
  // The quarters with counts, window by window, latest first (a hex digit each).
  const filled = rows[0]?.filled ?? '';
  const digits = windows.map((_, w) =>
    parseInt(filled.slice(4 * w, 4 * w + 4) || '0', 2).toString(16),
  );
  return `${windows[0]![0].toISOString().slice(0, 13)}:${digits.join('')}`;
}
