import { describe, expect, it } from 'vitest';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { BACKENDS } from '../support/backends';
import {
  openBackend,
  pgliteBackend,
  PGLITE_EXTENSIONS,
  type Backend,
} from '../../server/db/backend';
import { migrate, readMigrations } from '../../server/db/migrate';
import { withDatabase } from '../support/global-setup';
import { seedDemoCity, DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { cornerSquare } from '../support/requests';
import { gisRequest, importTwin, runImport, writeFile } from './support';
import { dropUnattached, sweepUnattached } from '../../server/imports/building-partitions';

/** A FeatureCollection of `n` small buildings in a row from (x, y), ids `${prefix}${i}`. */
function buildings(n: number, x: number, y: number, prefix: string, extra = ''): string {
  const features = Array.from(
    { length: n },
    (_, i) =>
      `{"type":"Feature","id":"${prefix}${i}","properties":{"height":${5 + (i % 20)},"name":"${prefix} ${i}"},"geometry":${JSON.stringify(cornerSquare(x + i * 0.0003, y, 0.0001))}}`,
  );
  return `{"type":"FeatureCollection","features":[\n${features.join(',\n')}${extra}`;
}

type Db = Backend['db'];
const rows = async <R>(db: Db, q: ReturnType<typeof sql<R>>) => (await q.execute(db)).rows;

/** The partitions of `buildings` with, for each, how many of the parent's indexes it carries. */
const partitions = (db: Db) =>
  rows<{ name: string; bound: string; indexes: number }>(
    db,
    sql`SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
        (SELECT count(*)::int FROM pg_inherits ii JOIN pg_index x ON x.indexrelid = ii.inhrelid
          WHERE x.indrelid = c.oid
            AND ii.inhparent IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'buildings'::regclass)) AS indexes
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'buildings'::regclass ORDER BY c.relname`,
  );
/** Tables named like a dataset's partition that are not attached: what a failed import would leave. */
const strays = async (db: Db) =>
  (
    await rows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM pg_class WHERE relkind = 'r' AND relname ~ '^buildings_d[0-9]+$' AND NOT relispartition`,
    )
  )[0]!.n;
const parentIndexes = async (db: Db) =>
  (
    await rows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM pg_index WHERE indrelid = 'buildings'::regclass`,
    )
  )[0]!.n;
const version = async (db: Db) =>
  Number(
    (
      await rows<{ v: string }>(
        db,
        sql`SELECT version::text AS v FROM layer_versions WHERE layer = 'buildings'`,
      )
    )[0]!.v,
  );

describe.each(BACKENDS)('buildings partitioned by dataset on %s (issue #14)', (kind) => {
  const ctx = importTwin(kind);

  it('loads an import into its own partition, indexed like the parent, and bumps the tile version', async () => {
    const db = ctx.twin.backend.db;
    const before = await version(db);
    const file = writeFile(ctx.dir, 'p1.geojson', buildings(30, 5.2, 52.2, 'p') + ']}');
    const job = await runImport(ctx.twin, file, { layer: 'buildings', name: 'partitioned' });
    expect(job.status).toBe('succeeded');
    expect(job.counts).toMatchObject({ accepted: 30 });
    const parts = await partitions(db);
    const mine = parts.find((p) => p.name === `buildings_d${job.dataset_id}`);
    expect(mine).toEqual({
      name: `buildings_d${job.dataset_id}`,
      bound: `FOR VALUES IN ('${job.dataset_id}')`,
      indexes: await parentIndexes(db),
    });
    // The demo city stays in the default partition.
    expect(parts.find((p) => p.name === 'buildings_default')?.bound).toBe('DEFAULT');
    expect(await version(db)).toBeGreaterThan(before);
    // Through the parent: the rows, with ids of the parent's identity (above the demo city's).
    const [r] = await rows<{ n: number; min: string; demo_max: string }>(
      db,
      sql`SELECT count(*)::int AS n, min(id)::text AS min,
        (SELECT max(id)::text FROM buildings_default) AS demo_max
        FROM buildings WHERE dataset_id = ${job.dataset_id}`,
    );
    expect(r!.n).toBe(30);
    expect(BigInt(r!.min)).toBeGreaterThan(BigInt(r!.demo_max));
    // Found by name search (trigram index on the partition) and drawn in tiles.
    const found = await ctx.twin.app.request(`/api/search?q=${encodeURIComponent('p 17')}`);
    expect(found.status).toBe(200);
    expect(JSON.stringify(await found.json())).toContain('p 17');
    // The foreign key holds for the partition: a row of an unknown dataset is refused.
    await expect(
      sql`INSERT INTO buildings (geom, height_m, dataset_id)
        SELECT geom, height_m, 987654321 FROM buildings WHERE dataset_id = ${job.dataset_id} LIMIT 1`.execute(
        db,
      ),
    ).rejects.toThrow();
  });

  it('replaces a dataset by dropping its partition, and deletes one the same way', async () => {
    const db = ctx.twin.backend.db;
    const a = writeFile(ctx.dir, 'r1.geojson', buildings(12, 5.3, 52.3, 'r') + ']}');
    const first = await runImport(ctx.twin, a, {
      layer: 'buildings',
      name: 'replaced',
      mode: 'replace',
    });
    const b = writeFile(ctx.dir, 'r2.geojson', buildings(5, 5.3, 52.3, 's') + ']}');
    const second = await runImport(ctx.twin, b, {
      layer: 'buildings',
      name: 'replaced',
      mode: 'replace',
    });
    expect(second.status).toBe('succeeded');
    const names = (await partitions(db)).map((p) => p.name);
    expect(names).not.toContain(`buildings_d${first.dataset_id}`);
    expect(names).toContain(`buildings_d${second.dataset_id}`);
    const counts = await rows<{ dataset_id: string; n: number }>(
      db,
      sql`SELECT dataset_id::text, count(*)::int AS n FROM buildings
        WHERE dataset_id IN (${first.dataset_id}, ${second.dataset_id}) GROUP BY 1`,
    );
    expect(counts).toEqual([{ dataset_id: String(second.dataset_id), n: 5 }]);

    const res = await gisRequest(ctx.twin, `/api/datasets/${second.dataset_id}`, {
      method: 'DELETE',
    });
    expect(await res.json()).toMatchObject({ deleted: { buildings: 5 } });
    expect((await partitions(db)).map((p) => p.name)).not.toContain(
      `buildings_d${second.dataset_id}`,
    );
  });

  it('leaves no table behind when an import fails after some chunks were written', async () => {
    const db = ctx.twin.backend.db;
    const [{ n: total }] = (await rows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM buildings`,
    )) as [{ n: number }];
    const parts = await partitions(db);
    // Truncated after 6,000 features: more than one chunk of COPY text reached the database.
    const file = writeFile(
      ctx.dir,
      'cut.geojson',
      buildings(6000, 5.4, 52.4, 'c') + ',{"type":"Feat',
    );
    const job = await runImport(ctx.twin, file, { layer: 'buildings', name: 'cut short' });
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/truncated/);
    expect(await strays(db)).toBe(0);
    expect(await partitions(db)).toEqual(parts);
    expect(
      (await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM buildings`))[0]!.n,
    ).toBe(total);
  });
});

const ON_POSTGRES = BACKENDS.includes('postgres');

/**
 * On PostgreSQL an import of buildings commits its rows into an unattached table, builds its
 * indexes on two connections, then records the dataset and attaches the table (`loadInPhases`).
 */
describe.skipIf(!ON_POSTGRES)('buildings loaded in phases on postgres (issue #14)', () => {
  const ctx = importTwin('postgres');

  it('drops the committed table when the last step fails, leaving datasets and layer as they were', async () => {
    const db = ctx.twin.backend.db;
    const count = async (q: string) =>
      (await rows<{ n: number }>(db, sql.raw(`SELECT count(*)::int AS n FROM ${q}`)))[0]!.n;
    const before = { buildings: await count('buildings'), datasets: await count('datasets') };
    const parts = await partitions(db);
    const tiles = await version(db);
    // Refused when the dataset is recorded: after the rows were committed and indexed.
    await sql`CREATE FUNCTION test_refuse_dataset() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.name = 'refused at the end' THEN RAISE EXCEPTION 'refused by the test'; END IF;
      RETURN NEW; END $$`.execute(db);
    await sql`CREATE TRIGGER test_refuse_dataset BEFORE INSERT ON datasets
      FOR EACH ROW EXECUTE FUNCTION test_refuse_dataset()`.execute(db);
    try {
      const file = writeFile(ctx.dir, 'late.geojson', buildings(4000, 5.5, 52.5, 'l') + ']}');
      const job = await runImport(ctx.twin, file, {
        layer: 'buildings',
        name: 'refused at the end',
      });
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(/refused by the test/);
      expect(await strays(db)).toBe(0);
      expect(await partitions(db)).toEqual(parts);
      expect({ buildings: await count('buildings'), datasets: await count('datasets') }).toEqual(
        before,
      );
      expect(await version(db)).toBe(tiles);
    } finally {
      await sql`DROP TRIGGER test_refuse_dataset ON datasets`.execute(db);
      await sql`DROP FUNCTION test_refuse_dataset()`.execute(db);
    }
  });

  it('upserts by source id across datasets in the last step', async () => {
    const db = ctx.twin.backend.db;
    const a = writeFile(ctx.dir, 'u1.geojson', buildings(6, 5.6, 52.6, 'u') + ']}');
    const first = await runImport(ctx.twin, a, { layer: 'buildings', name: 'up a' });
    // Ids u3…u8: u3–u5 replace the first import's rows, u6–u8 are new.
    const b = writeFile(
      ctx.dir,
      'u2.geojson',
      buildings(6, 5.6, 52.6, 'u').replace(/"u(\d)"/g, (_m, d: string) => `"u${Number(d) + 3}"`) +
        ']}',
    );
    const second = await runImport(ctx.twin, b, {
      layer: 'buildings',
      name: 'up b',
      mode: 'upsert',
    });
    expect(second.status).toBe('succeeded');
    const ids = await rows<{ dataset_id: string; source_id: string }>(
      db,
      sql`SELECT dataset_id::text, source_id FROM buildings
        WHERE dataset_id IN (${first.dataset_id}, ${second.dataset_id}) ORDER BY source_id`,
    );
    expect(
      ids.filter((r) => r.dataset_id === String(first.dataset_id)).map((r) => r.source_id),
    ).toEqual(['u0', 'u1', 'u2']);
    expect(ids.filter((r) => r.dataset_id === String(second.dataset_id))).toHaveLength(6);
  });

  it('drops at start the tables of loads whose job stopped, and keeps those of live jobs', async () => {
    const db = ctx.twin.backend.db;
    const job = async (status: string, lease: string) =>
      (
        await rows<{ id: string }>(
          db,
          sql`INSERT INTO import_jobs (status, name, layer, mode, source, licence, file_name, lease_expires_at)
            VALUES (${status}, 'sweep', 'buildings', 'append', 's', 'CC0-1.0', 'f.geojson', now() + ${lease}::interval)
            RETURNING id::text`,
        )
      )[0]!.id;
    const stopped = await job('failed', '-1 hour');
    const live = await job('running', '1 hour');
    const table = async (id: number, comment: string | null) => {
      await sql.raw(`CREATE TABLE buildings_d${id} (LIKE buildings)`).execute(db);
      if (comment) await sql.raw(`COMMENT ON TABLE buildings_d${id} IS '${comment}'`).execute(db);
    };
    await table(990001, `loading for import job ${stopped}`);
    await table(990002, `loading for import job ${live}`);
    await table(990003, null); // not ours to drop
    const swept = await ctx.twin.backend.scriptTransaction(sweepUnattached);
    expect(swept).toBe(1);
    const left = await rows<{ name: string }>(
      db,
      sql`SELECT relname AS name FROM pg_class WHERE relname LIKE 'buildings_d99000%' ORDER BY 1`,
    );
    expect(left.map((r) => r.name)).toEqual(['buildings_d990002', 'buildings_d990003']);
    await sql.raw('DROP TABLE buildings_d990002, buildings_d990003').execute(db);
    // Attached partitions are never candidates, neither for the sweep nor for the clean-up
    // after a failed step (whose transaction may have committed unheard).
    const attached = await partitions(db);
    expect(attached.length).toBeGreaterThan(1);
    const mine = attached.find((p) => p.name !== 'buildings_default')!.name.slice(11);
    await ctx.twin.backend.scriptTransaction((tx) => dropUnattached(tx, mine));
    expect(await partitions(db)).toEqual(attached);
  });
});

describe.each(BACKENDS)('the partitioning migration on %s (issue #14)', (kind) => {
  it('keeps a populated buildings table as the default partition, its rows and its ids', async () => {
    const { backend, dispose } = await emptyDatabase(kind);
    try {
      const all = readMigrations();
      const at = all.findIndex((m) => m.name === '20261202001000_buildings_by_dataset');
      expect(at).toBeGreaterThan(0);
      await migrate(backend, all.slice(0, at));
      const { datasetId } = await seedDemoCity(backend.db, {
        seed: 7,
        center: DEFAULT_DEMO_CENTER,
      });
      const before = await rows<{ n: number; max: string; sum: string }>(
        backend.db,
        sql`SELECT count(*)::int AS n, max(id)::text AS max, sum(ST_Area(geom))::text AS sum FROM buildings`,
      );
      await migrate(backend, all);
      const after = await rows<{ n: number; max: string; sum: string }>(
        backend.db,
        sql`SELECT count(*)::int AS n, max(id)::text AS max, sum(ST_Area(geom))::text AS sum FROM buildings`,
      );
      expect(after).toEqual(before);
      expect(await partitions(backend.db)).toEqual([
        { name: 'buildings_default', bound: 'DEFAULT', indexes: await parentIndexes(backend.db) },
      ]);
      const [next] = await rows<{ id: string }>(
        backend.db,
        sql`INSERT INTO buildings (geom, height_m, dataset_id)
          SELECT geom, height_m, dataset_id FROM buildings WHERE dataset_id = ${datasetId} LIMIT 1 RETURNING id::text`,
      );
      expect(BigInt(next!.id)).toBe(BigInt(before[0]!.max) + 1n);
    } finally {
      await dispose();
    }
  });
});

/** A database with nothing in it: migrations run from the start. */
async function emptyDatabase(
  kind: 'pglite' | 'postgres',
): Promise<{ backend: Backend; dispose: () => Promise<void> }> {
  if (kind === 'pglite') {
    const backend = await pgliteBackend(
      await PGlite.create({ extensions: PGLITE_EXTENSIONS }),
      'memory',
    );
    return { backend, dispose: () => backend.close() };
  }
  const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
  // Generated here, never taken from input.
  const name = `twin_t_part_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  const backend = await openBackend({
    databaseUrl: withDatabase(process.env.DATABASE_URL!, name),
    dataDir: '',
    poolSize: 2,
    tileTimeoutMs: 10_000,
  });
  return {
    backend,
    dispose: async () => {
      await backend.close();
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
