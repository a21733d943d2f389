import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { Logger } from '../log';
import { PeriodicJob } from '../periodic-job';

/** Monthly partitions made by `ensure_readings_partitions` (migration 20261129000200). */
const PARTITION = /^readings_y(\d{4})m(\d{2})$/;

export interface RetentionResult {
  /** Partitions dropped whole. */
  dropped: string[];
  /** Rows deleted from the default partition and the city roll-ups. */
  deleted: number;
}

/**
 * Applies `TWIN_RETENTION_DAYS` (issue #12 item 5): drops every monthly readings partition whose
 * whole month ended before the cut-off (cheap: no row is visited), deletes older rows from the
 * default partition (readings outside any month made ahead), and old city roll-ups. A partly
 * expired month is kept until it has expired entirely, so readings live between `days` and
 * `days` + one month.
 */
export async function applyRetention(
  db: Kysely<Database>,
  days: number,
  now = Date.now(),
): Promise<RetentionResult> {
  const cutoff = new Date(now - days * 86_400_000);
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    JOIN pg_class p ON p.oid = i.inhparent
    WHERE p.relname = 'readings'`.execute(db);
  const dropped: string[] = [];
  for (const { name } of rows) {
    const m = PARTITION.exec(name);
    if (!m) continue;
    const endOfMonth = Date.UTC(Number(m[1]), Number(m[2]), 1);
    if (endOfMonth > cutoff.getTime()) continue;
    // The name matched our own pattern above; it is never taken from input.
    await sql`DROP TABLE IF EXISTS ${sql.table(name)}`.execute(db);
    dropped.push(name);
  }
  const old =
    await sql`DELETE FROM readings_default WHERE ts < ${cutoff.toISOString()}::timestamptz`.execute(
      db,
    );
  const metrics = await db
    .deleteFrom('city_metrics')
    .where('bucket', '<', cutoff)
    .executeTakeFirst();
  return { dropped, deleted: Number(old.numAffectedRows ?? 0) + Number(metrics.numDeletedRows) };
}

/** How often retention is applied while the twin runs. */
const EVERY_MS = 6 * 3600_000;

/** Applies retention at start and every six hours. */
export function retentionJob(db: Kysely<Database>, days: number, log: Logger): PeriodicJob {
  return new PeriodicJob({
    everyMs: EVERY_MS,
    log,
    failure: 'retention: not applied; retrying later',
    task: async () => {
      const r = await applyRetention(db, days);
      if (r.dropped.length > 0 || r.deleted > 0)
        log.info({ ...r, days }, 'retention: old readings dropped');
    },
  });
}
