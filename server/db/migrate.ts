import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backend } from './backend';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/** `20261129000100_city_model.sql`: a 14-digit timestamp, a name, forward-only. */
const MIGRATION_FILE = /^(\d{14})_([a-z0-9_]+)\.sql$/;

export interface Migration {
  name: string;
  sql: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => MIGRATION_FILE.test(f))
    .sort()
    .map((f) => ({ name: f.replace(/\.sql$/, ''), sql: readFileSync(join(dir, f), 'utf8') }));
}

/** Arbitrary but fixed: serialises migrations across server instances sharing a database. */
const MIGRATION_LOCK = 72_420_001;

/**
 * Applies every migration not yet recorded in `schema_migrations`, all in one transaction under
 * an advisory lock, so concurrent starts apply each migration once and a failure applies none.
 * Returns the names applied.
 */
export async function migrate(backend: Backend, migrations = readMigrations()): Promise<string[]> {
  return backend.scriptTransaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const rows = await tx.query<{ name: string }>('SELECT name FROM schema_migrations');
    const applied = new Set(rows.map((r) => r.name));
    const done: string[] = [];
    for (const m of migrations) {
      if (applied.has(m.name)) continue;
      try {
        await tx.exec(m.sql);
      } catch (error) {
        throw new Error(`migration ${m.name} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [m.name]);
      done.push(m.name);
    }
    return done;
  });
}

/** Names of migrations in the repository that the database has not applied. */
export async function pendingMigrations(
  backend: Backend,
  migrations = readMigrations(),
): Promise<string[]> {
  const applied = await backend.db
    .selectFrom('schema_migrations')
    .select('name')
    .execute()
    .catch(() => []);
  const names = new Set(applied.map((r) => r.name));
  return migrations.filter((m) => !names.has(m.name)).map((m) => m.name);
}
