import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type RawBuilder,
} from 'kysely';
import type { Database } from './database';

/**
 * Kysely's PostgreSQL compiler without a connection: turns a `sql` template into text and bound
 * parameters for code that runs statements on a raw transaction handle (the import's
 * `ScriptTransaction`), so those statements are built the same way as every other query; tests
 * compile with it to read the SQL a builder makes.
 */
export const compileOnlyDb = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/** The statement's text (`$1`, `$2`, … placeholders) and its parameters. */
export function compileSql(query: RawBuilder<unknown>): CompiledQuery<unknown> {
  return query.compile(compileOnlyDb);
}

/**
 * An identifier double-quoted for SQL (`a"b` → `"a""b"`), for the few places that write SQL text
 * Kysely cannot take (DDL scripts, COPY targets). Everything else uses `sql.id` / `sql.ref` /
 * `sql.table`, which quote the same way. Callers still pass allow-listed names only.
 */
export function quoteIdent(id: string): string {
  return `"${id.replaceAll('"', '""')}"`;
}

/** A string as an SQL literal (`it's` → `'it''s'`), for DDL that takes no parameters. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
