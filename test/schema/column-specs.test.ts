import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { TABLE_SPECS, type SqlType, type TableSpec } from '../../schema/columns';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../support/backends';

/** How information_schema names each spec type (`udt_name`). */
const UDT: Record<SqlType, string> = {
  bigint: 'int8',
  smallint: 'int2',
  integer: 'int4',
  real: 'float4',
  'double precision': 'float8',
  text: 'text',
  boolean: 'bool',
  jsonb: 'jsonb',
  date: 'date',
  timestamptz: 'timestamptz',
  'text[]': '_text',
  geometry: 'geometry',
};

describe.each(BACKENDS)('the column specs on %s (issue #13 item 2)', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.dispose();
  });

  it.each(Object.values(TABLE_SPECS).map((s): [string, TableSpec] => [s.table, s]))(
    'declares every column of %s with the type and default the migrations give it',
    async (table, spec) => {
      const { rows } = await sql<{
        column_name: string;
        udt_name: string;
        column_default: string | null;
      }>`SELECT column_name, udt_name, column_default FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = ${table}
        ORDER BY column_name`.execute(db.backend.db);
      const actual = Object.fromEntries(rows.map((r) => [r.column_name, r.udt_name]));
      const declared = Object.fromEntries(
        Object.entries(spec.columns).map(([name, c]) => [name, UDT[c.type]]),
      );
      expect(actual).toEqual(declared);
      for (const [name, c] of Object.entries(spec.columns)) {
        if (c.default === undefined) continue;
        const d = rows.find((r) => r.column_name === name)!.column_default;
        expect(d, `${table}.${name} has a DEFAULT`).not.toBeNull();
        expect(d!.replace(/::[a-z ]+$/, '').replace(/^'(.*)'$/, '$1')).toBe(String(c.default));
      }
    },
  );
});
