import { Kysely, sql } from 'kysely';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresJsDialect } from './postgres-js-dialect';
import { guardPostgresJsNullSocket } from './postgres-js-guard';

const URL = process.env.DATABASE_URL;

interface Db {
  dialect_probe: { id: number; note: string };
}

describe.skipIf(!URL)(
  'the postgres.js Kysely dialect (needs DATABASE_URL: skipped without it)',
  () => {
    let pool: postgres.Sql;
    let db: Kysely<Db>;
    const table = `dialect_probe_${process.pid}`;
    const t = () => sql.table(table);

    beforeAll(async () => {
      // As the backend does: postgres.js may still throw from a timer when a socket closes.
      guardPostgresJsNullSocket();
      pool = postgres(URL!, { max: 2, onnotice: () => {} });
      db = new Kysely<Db>({ dialect: new PostgresJsDialect(pool) });
      await sql`CREATE TABLE IF NOT EXISTS ${t()} (id int PRIMARY KEY, note text)`.execute(db);
      await sql`TRUNCATE ${t()}`.execute(db);
    });

    afterAll(async () => {
      await sql`DROP TABLE IF EXISTS ${t()}`.execute(db);
      await pool.end({ timeout: 5 });
    });

    it('runs many more concurrent queries than the pool has connections, without reserving any', async () => {
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          sql<{ n: number }>`SELECT ${i}::int AS n`.execute(db),
        ),
      );
      expect(results.map((r) => r.rows[0]!.n)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    });

    it('keeps a transaction on one connection: its writes are visible inside, not outside, until COMMIT', async () => {
      let seenOutside = -1;
      await db.transaction().execute(async (trx) => {
        await sql`INSERT INTO ${t()} VALUES (1, 'a')`.execute(trx);
        const inside = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${t()}`.execute(trx);
        expect(inside.rows[0]!.n).toBe(1);
        const outside = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${t()}`.execute(db);
        seenOutside = outside.rows[0]!.n;
        const pids = await Promise.all(
          Array.from({ length: 5 }, () =>
            sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx),
          ),
        );
        expect(new Set(pids.map((p) => p.rows[0]!.pid)).size).toBe(1);
      });
      expect(seenOutside).toBe(0);
      const after = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${t()}`.execute(db);
      expect(after.rows[0]!.n).toBe(1);
    });

    it('rolls back when the callback throws, and the error reaches the caller', async () => {
      await expect(
        db.transaction().execute(async (trx) => {
          await sql`INSERT INTO ${t()} VALUES (2, 'b')`.execute(trx);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      const rows = await sql<{ id: number }>`SELECT id FROM ${t()} WHERE id = 2`.execute(db);
      expect(rows.rows).toHaveLength(0);
    });

    it('rolls back when a statement fails, with the database error', async () => {
      await expect(
        db.transaction().execute(async (trx) => {
          await sql`INSERT INTO ${t()} VALUES (3, 'c')`.execute(trx);
          await sql`INSERT INTO ${t()} VALUES (3, 'duplicate')`.execute(trx);
        }),
      ).rejects.toMatchObject({ code: '23505' });
      const rows = await sql<{ id: number }>`SELECT id FROM ${t()} WHERE id = 3`.execute(db);
      expect(rows.rows).toHaveLength(0);
    });

    it('reports affected rows and applies isolation levels', async () => {
      const r = await sql`UPDATE ${t()} SET note = 'z'`.execute(db);
      expect(r.numAffectedRows).toBe(1n);
      const level = await db
        .transaction()
        .setIsolationLevel('serializable')
        .execute(
          async (trx) =>
            (
              await sql<{
                l: string;
              }>`SELECT current_setting('transaction_isolation') AS l`.execute(trx)
            ).rows[0]!.l,
        );
      expect(level).toBe('serializable');
    });

    it('runs parameterised queries as prepared statements', async () => {
      // Run on both connections of the pool, then look for the statement on each.
      await Promise.all(
        Array.from({ length: 8 }, () =>
          sql`SELECT ${1}::int AS one /* prepared-probe */`.execute(db),
        ),
      );
      const found = await Promise.all(
        Array.from({ length: 8 }, () =>
          sql<{
            n: number;
          }>`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE ${'%prepared-probe%'}`.execute(
            db,
          ),
        ),
      );
      expect(found.some((f) => f.rows[0]!.n > 0)).toBe(true);
    });

    it('fails a transaction whose connection is killed, and the pool goes on serving', async () => {
      const killer = postgres(URL!, { max: 1, onnotice: () => {} });
      try {
        await expect(
          db.transaction().execute(async (trx) => {
            const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(
              trx,
            );
            await killer`SELECT pg_terminate_backend(${rows[0]!.pid})`;
            await sql`SELECT pg_sleep(0.1)`.execute(trx);
          }),
        ).rejects.toThrow();
        // The first query on the reconnected connection may still be failed with the old
        // backend's 57P01 (postgres.js 3.4.9 keeps a parsed ErrorResponse across a reconnect), as a
        // client retrying a 503 would see; after that the pool serves as before.
        let failures = 0;
        let clean = false;
        for (let attempt = 0; attempt < 5 && !clean; attempt++) {
          const after = await Promise.allSettled(
            Array.from({ length: 10 }, () => sql<{ one: number }>`SELECT 1 AS one`.execute(db)),
          );
          const failed = after.filter((r) => r.status === 'rejected');
          failures += failed.length;
          clean = failed.length === 0;
          expect(failed.every((r) => (r.reason as { code?: string }).code === '57P01')).toBe(true);
        }
        expect(clean).toBe(true);
        expect(failures).toBeLessThanOrEqual(2);
      } finally {
        await killer.end();
      }
    });
  },
);
