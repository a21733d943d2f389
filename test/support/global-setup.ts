import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { pgliteBackend, openBackend, PGLITE_EXTENSIONS } from '../../server/db/backend';
import { migrate } from '../../server/db/migrate';
import { DEFAULT_DEMO_CENTER, DEFAULT_DEMO_SEED, seedDemoCity } from '../../data/seed-demo';
import { TEST_DATA_DIR } from './paths';
import { registerDemoSensors } from '../../data/demo-sensors';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A gzipped PGlite data directory: migrated, with the demo city (seed 42). */
    pgliteTemplate: string;
    /** Name of a PostgreSQL template database like the above, or '' without DATABASE_URL. */
    postgresTemplate: string;
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A hash of everything a template depends on (migrations, the demo city, the DB layer), so a
 * template built by an earlier run is reused until one of those files changes.
 */
function templateHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.endsWith('.test.ts'))
        hash.update(relative(ROOT, path)).update(readFileSync(path));
    }
  };
  for (const dir of ['migrations', 'data', 'schema', 'server/db']) walk(join(ROOT, dir));
  return hash.digest('hex').slice(0, 12);
}

/**
 * Builds each database once — migrations plus the demo city — so every test file can
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
  const hash = templateHash();
  const [pgliteTemplate, postgresTemplate] = await Promise.all([
    buildPgliteTemplate(hash),
    url ? buildPostgresTemplate(url, hash) : Promise.resolve(''),
  ]);
  project.provide('pgliteTemplate', pgliteTemplate);
  project.provide('postgresTemplate', postgresTemplate);
}

async function buildPgliteTemplate(hash: string): Promise<string> {
  const file = join(TEST_DATA_DIR, `pglite-template-${hash}.tgz`);
  if (existsSync(file)) return file;
  const pg = await PGlite.create({ extensions: PGLITE_EXTENSIONS });
  const backend = await pgliteBackend(pg, 'memory');
  await migrate(backend);
  const { datasetId } = await seedDemoCity(backend.db, {
    seed: DEFAULT_DEMO_SEED,
    center: DEFAULT_DEMO_CENTER,
  });
  await registerDemoSensors(backend.db, datasetId);
  const tarball = await pg.dumpDataDir('gzip');
  await backend.close();
  // Written aside and renamed, so a concurrent run never reads half a file.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, new Uint8Array(await tarball.arrayBuffer()));
  renameSync(partial, file);
  return file;
}

async function buildPostgresTemplate(url: string, hash: string): Promise<string> {
  const name = `twin_tpl_${hash}`;
  const building = `twin_tpl_${hash}_${process.pid}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const exists = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (exists.length > 0) return name;
    // Identifiers cannot be bound; these are built from a hash and our pid, never from input.
    await admin.unsafe(`CREATE DATABASE "${building}"`);
  } finally {
    await admin.end();
  }
  const backend = await openBackend({
    databaseUrl: withDatabase(url, building),
    dataDir: '',
    poolSize: 4,
    tileTimeoutMs: 10_000,
  });
  try {
    await migrate(backend);
    const { datasetId } = await seedDemoCity(backend.db, {
      seed: DEFAULT_DEMO_SEED,
      center: DEFAULT_DEMO_CENTER,
    });
    await registerDemoSensors(backend.db, datasetId);
  } finally {
    await backend.close();
  }
  const rename = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await rename.unsafe(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
  } catch {
    // Another run finished the same template first; use theirs.
    await rename.unsafe(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`);
  } finally {
    await rename.end();
  }
  return name;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
