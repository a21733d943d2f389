import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRetention } from '../../server/sensors/retention';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';

const DAY = 86_400_000;

/** `TWIN_RETENTION_DAYS` (issue #12 item 5): old readings go by whole partitions. */
describe.each(BACKENDS)('readings retention on %s', (kind) => {
  let twin: TestTwin;
  let sensor: string;
  let times: Date[];

  beforeAll(async () => {
    twin = await createTestTwin(kind);
    const db = twin.backend.db;
    sensor = (
      await sql<{ id: string }>`SELECT id::text FROM sensors ORDER BY id LIMIT 1`.execute(db)
    ).rows[0]!.id;
    const monthsAgo = (m: number) => {
      const d = new Date();
      return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - m, 10, 12));
    };
    // Partitions for the last five months, one reading in each, one far in the past (the
    // default partition) and one now; and a roll-up row from long ago.
    await sql`SELECT ensure_readings_partitions(${monthsAgo(5).toISOString()}::date, 6)`.execute(
      db,
    );
    times = [...[5, 4, 3, 2, 1].map(monthsAgo), new Date('2001-01-01T00:00:00Z'), new Date()];
    for (const t of times) {
      await sql`INSERT INTO readings (sensor_id, ts, value) VALUES (${sensor}, ${t.toISOString()}::timestamptz, 1)`.execute(
        db,
      );
    }
    await sql`INSERT INTO city_metrics (metric, bucket, value, samples) VALUES ('traffic_speed_ratio', '2001-01-01T00:00:00Z', 0.8, 10)`.execute(
      db,
    );
  });

  afterAll(async () => {
    await twin?.dispose();
  });

  const partitions = async () =>
    (
      await sql<{
        name: string;
      }>`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'readings'::regclass ORDER BY 1`.execute(twin.backend.db)
    ).rows.map((r) => r.name);

  it('drops the months wholly older than the retention, keeps the rest, and clears old rows elsewhere', async () => {
    const before = await partitions();
    const result = await applyRetention(twin.backend.db, 70);
    const after = await partitions();
    // 70 days back lies in the month two or three months ago: every month that ended before it is gone.
    const cutoff = Date.now() - 70 * DAY;
    for (const name of result.dropped) {
      const [, y, m] = /^readings_y(\d{4})m(\d{2})$/.exec(name)!;
      expect(Date.UTC(Number(y), Number(m), 1)).toBeLessThanOrEqual(cutoff);
    }
    expect(result.dropped.length).toBeGreaterThanOrEqual(2);
    expect(after).toEqual(before.filter((p) => !result.dropped.includes(p)));
    expect(after).toContain('readings_default');
    // Readings newer than the cut-off all stay; the 2001 reading in the default partition is gone.
    const { rows } = await sql<{
      ts: Date | string;
    }>`SELECT ts FROM readings WHERE sensor_id = ${sensor} ORDER BY ts`.execute(twin.backend.db);
    const kept = rows.map((r) => new Date(r.ts).getTime());
    expect(kept.every((t) => t > Date.UTC(2001, 1, 1))).toBe(true);
    const recent = times.map((t) => t.getTime()).filter((t) => t >= cutoff);
    expect(recent.length).toBeGreaterThanOrEqual(2);
    expect(kept).toEqual(expect.arrayContaining(recent));
    // What went, went with its month: each dropped reading's month ended before the cut-off.
    expect(kept.length).toBe(times.length - 1 - result.dropped.length);
    const old = await sql<{
      n: string;
    }>`SELECT count(*)::text AS n FROM city_metrics WHERE bucket < '2002-01-01'`.execute(
      twin.backend.db,
    );
    expect(old.rows[0]!.n).toBe('0');
    expect(result.deleted).toBe(2);
  });

  it('is a no-op the second time', async () => {
    expect(await applyRetention(twin.backend.db, 70)).toEqual({ dropped: [], deleted: 0 });
  });
});
