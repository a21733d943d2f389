import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../support/backends';

/**
 * A COPY the database refuses rejects with the database's own error and rolls its transaction
 * back, on both backends. On PostgreSQL, postgres.js 3.4.9 left such a COPY pending for ever
 * (porsager/postgres#1173): the import holding it never ended, nor released its connection.
 */
describe.each(BACKENDS)('COPY refused by the database (%s)', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await openTestDatabase(kind);
    await sql`CREATE TABLE copy_probe (n integer NOT NULL, doc jsonb)`.execute(database.backend.db);
  });
  afterAll(async () => {
    await database?.dispose();
  });

  const copy = (text: string) =>
    database.backend.scriptTransaction(async (tx) => {
      await tx.copyIn('copy_probe', ['n', 'doc'], '1\t{}\n');
      await tx.copyIn('copy_probe', ['n', 'doc'], text);
      return 'committed';
    });
  const count = async () =>
    Number(
      (await sql<{ n: string }>`SELECT count(*) AS n FROM copy_probe`.execute(database.backend.db))
        .rows[0]!.n,
    );

  it.each([
    ['a number that is not', 'abc\t{}\n', /invalid input syntax for type integer/],
    ['JSON jsonb refuses', '2\t{"a":"\\\\u0000"}\n', /Unicode escape/],
    ['a missing column', '3\n', /missing data for column/],
  ])('%s: rejects with the reason and keeps nothing', async (_name, text, reason) => {
    await expect(copy(text)).rejects.toThrow(reason);
    expect(await count()).toBe(0);
    // The backend is usable afterwards (its connection went back idle).
    await expect(copy('4\t{}\n')).resolves.toBe('committed');
    expect(await count()).toBe(2);
    await sql`TRUNCATE copy_probe`.execute(database.backend.db);
  });
});
