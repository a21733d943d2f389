import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { PGlite } from '@electric-sql/pglite';
import { postgis } from '@electric-sql/pglite-postgis';
import postgres from 'postgres';
import { pgliteBackend, openBackend } from '../../server/db/backend';
import { migrate } from '../../server/db/migrate';
import { DEFAULT_DEMO_CENTER, DEFAULT_DEMO_SEED, seedDemoCity } from '../../data/seed-demo';
import { TEST_DATA_DIR } from './paths';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A gzipped PGlite data directory: migrated, with the demo city (seed 42). */
    pgliteTemplate: string;
    /** Name of a PostgreSQL template database like the above, or '' without DATABASE_URL. */
    postgresTemplate: string;
  }
}

/**
 * Builds each database once per run — migrations plus the demo city — so every test file can
 * start from a private copy in seconds instead of seeding its own.
 */
export default async function setup(project: TestProject) {
  mkdirSync(TEST_DATA_DIR, { recursive: true });
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.warn(
      '\n[skipped] suites on real PostgreSQL + PostGIS: DATABASE_URL is not set ' +
        '(the embedded PGlite backend is tested; .ci/run sets DATABASE_URL).\n',
    );
  }
  const [pgliteTemplate, postgresTemplate] = await Promise.all([
    buildPgliteTemplate(),
    url ? buildPostgresTemplate(url) : Promise.resolve(''),
  ]);
  project.provide('pgliteTemplate', pgliteTemplate);
  project.provide('postgresTemplate', postgresTemplate);

  return async () => {
    if (url && postgresTemplate) {
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP DATABASE IF EXISTS "${postgresTemplate}" WITH (FORCE)`);
      await admin.end();
    }
  };
}

async function buildPgliteTemplate(): Promise<string> {
  const pg = await PGlite.create({ extensions: { postgis } });
  const backend = await pgliteBackend(pg, 'memory');
  await migrate(backend);
  await seedDemoCity(backend.db, { seed: DEFAULT_DEMO_SEED, center: DEFAULT_DEMO_CENTER });
  const tarball = await pg.dumpDataDir('gzip');
  await backend.close();
  const file = join(TEST_DATA_DIR, 'pglite-template.tgz');
  writeFileSync(file, new Uint8Array(await tarball.arrayBuffer()));
  return file;
}

async function buildPostgresTemplate(url: string): Promise<string> {
  const name = `twin_template_${process.pid}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    // Identifiers cannot be bound; this one is built from our own pid, never from input.
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const backend = await openBackend({
    databaseUrl: withDatabase(url, name),
    dataDir: '',
    poolSize: 4,
    tileTimeoutMs: 10_000,
  });
  try {
    await migrate(backend);
    await seedDemoCity(backend.db, { seed: DEFAULT_DEMO_SEED, center: DEFAULT_DEMO_CENTER });
  } finally {
    await backend.close();
  }
  return name;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
