import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import {
  openBackend,
  pgliteBackend,
  PGLITE_EXTENSIONS,
  type Backend,
} from '../../server/db/backend';
import { withDatabase } from './global-setup';

export type BackendKind = 'pglite' | 'postgres';

/** The backends this run can test: PGlite always, PostgreSQL when DATABASE_URL is set. */
export const BACKENDS: BackendKind[] = process.env.DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite'];
export const HAS_POSTGRES = Boolean(process.env.DATABASE_URL);

export interface TestDatabase {
  backend: Backend;
  /** For postgres: the URL of this file's private database. */
  url?: string;
  dispose(): Promise<void>;
}

/**
 * A private database for one test file, copied from the run's template (migrated, demo city
 * seeded): an in-memory PGlite loaded from the template tarball, or a PostgreSQL database
 * created `TEMPLATE` the template database.
 */
export async function openTestDatabase(
  kind: BackendKind,
  options: { tileTimeoutMs?: number } = {},
): Promise<TestDatabase> {
  if (kind === 'pglite') {
    const tarball = new Blob([readFileSync(inject('pgliteTemplate'))]);
    const pg = await PGlite.create({ loadDataDir: tarball, extensions: PGLITE_EXTENSIONS });
    const backend = await pgliteBackend(pg, 'memory (test copy)');
    return { backend, dispose: () => backend.close() };
  }
  const url = process.env.DATABASE_URL!;
  const name = `twin_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  // Identifiers cannot be bound; both are generated here, never taken from input.
  await admin.unsafe(`CREATE DATABASE "${name}" TEMPLATE "${inject('postgresTemplate')}"`);
  const dbUrl = withDatabase(url, name);
  const backend = await openBackend({
    databaseUrl: dbUrl,
    dataDir: '',
    poolSize: 8,
    tileTimeoutMs: options.tileTimeoutMs ?? 10_000,
  });
  return {
    backend,
    url: dbUrl,
    dispose: async () => {
      await backend.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
