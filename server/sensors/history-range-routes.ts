import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { HistoryRange } from '../../common/sensor-types';
import { BUCKET_S } from '../dashboard/city-metrics';

/**
 * `GET /api/readings/range`: how far back the time slider may go (issue #12 item 5) — the first
 * and last 5-minute bucket of city-wide traffic readings (`city_metrics`, so no reading is
 * scanned) and the retention policy.
 */
export function historyRangeRoutes({
  db,
  retentionDays,
}: {
  db: Kysely<Database>;
  retentionDays: number;
}) {
  return new Hono().get('/range', async (c) => {
    const row = await db
      .selectFrom('city_metrics')
      .select((eb) => [eb.fn.min('bucket').as('from'), eb.fn.max('bucket').as('to')])
      .where('metric', '=', 'traffic_speed_ratio')
      .executeTakeFirst();
    const iso = (t: Date | string | null | undefined) => (t ? new Date(t).toISOString() : null);
    const to = iso(row?.to);
    c.header('Cache-Control', 'no-cache');
    return c.json({
      from: iso(row?.from),
      to: to === null ? null : new Date(Date.parse(to) + BUCKET_S * 1000).toISOString(),
      retention_days: retentionDays > 0 ? retentionDays : null,
      bucket_s: BUCKET_S,
    } satisfies HistoryRange);
  });
}
