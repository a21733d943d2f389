import type { ScriptTransaction } from '../db/backend';
import { BUILDINGS, type TableSpec } from '../../schema/columns';

/**
 * `buildings` is partitioned by dataset (migration 20261202001000). An import of buildings does
 * not insert into the live table, where every row would update seven indexes and run the
 * foreign-key check: it writes into a table of its own with neither, builds that table's indexes
 * once (a sorted GiST build), and attaches it as its dataset's partition, which checks the
 * foreign key once for the whole table. On PGlite all of it runs in the load's transaction, so a
 * failed import leaves no table behind; on PostgreSQL the rows are committed into the table
 * unattached first, so that its indexes can be built on two connections (`loadInPhases` in
 * load.ts), and a failure drops the table. Readers of `buildings` are not blocked while the rows
 * are written and indexed; the attach itself (a scan of `buildings_default` for rows of the new
 * dataset id) holds them for milliseconds at the end.
 */

/** Serialises the loads of buildings: two attaches would each wait on the other's default-partition lock. */
const BUILDINGS_LOAD_LOCK = 72_420_014;

/** `buildings_d{id}`: the name of a dataset's partition. Dataset ids are bigints from the database. */
export function partitionOf(datasetId: string): string {
  if (!/^[1-9]\d{0,18}$/.test(datasetId)) throw new Error(`not a dataset id: ${datasetId}`);
  return `buildings_d${datasetId}`;
}

export interface DetachedBuildings {
  /** The table spec to insert into: BUILDINGS with the partition's name. */
  spec: TableSpec;
  /** `nextval(…)` of the parent's identity: ids stay unique across partitions. */
  sequence: string;
}

/** Creates the dataset's table, unattached: the parent's columns, defaults and checks. */
export async function createDetached(
  tx: ScriptTransaction,
  datasetId: string,
  /** Set when the table is committed before it is attached (`loadInPhases`): the job loading it. */
  loadingFor?: string,
): Promise<DetachedBuildings> {
  if (!loadingFor) await tx.query('SELECT pg_advisory_xact_lock($1)', [BUILDINGS_LOAD_LOCK]);
  const table = partitionOf(datasetId);
  // The partition's own constraint as a CHECK, so attaching need not scan the new table.
  await tx.exec(`CREATE TABLE ${table} (LIKE buildings INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    CHECK (dataset_id = ${datasetId}))`);
  const [seq] = await tx.query<{ seq: string }>(
    `SELECT pg_get_serial_sequence('buildings', 'id') AS seq`,
  );
  // Rows COPYed straight in (direct rows) take their id and dataset id from these defaults;
  // they are dropped again before the attach.
  await tx.exec(`ALTER TABLE ${table} ALTER id SET DEFAULT nextval(${literal(seq!.seq)}::regclass),
    ALTER dataset_id SET DEFAULT ${datasetId}`);
  if (loadingFor) {
    if (!UUID.test(loadingFor)) throw new Error(`not an import job id: ${loadingFor}`);
    await tx.exec(`COMMENT ON TABLE ${table} IS '${LOADING}${loadingFor}'`);
  }
  return { spec: { ...BUILDINGS, table }, sequence: seq!.seq };
}

/** A string as an SQL literal (a name read from the catalogue, for a DDL statement). */
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** `CREATE INDEX <name> ON ONLY public.buildings USING …`, as `pg_get_indexdef` prints it. */
const PARENT_INDEX = /^CREATE (UNIQUE )?INDEX \S+ ON ONLY (?:"?[a-z_0-9]+"?\.)?buildings USING /;

/**
 * The parent's indexes as statements for the dataset's table (the attach adopts them instead of
 * building its own under the lock), the primary key's unique index last: the longest builds
 * first when they are shared between connections (`loadInPhases`).
 */
async function indexStatements(tx: ScriptTransaction, table: string): Promise<string[]> {
  const indexes = await tx.query<{ def: string }>(
    `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
      WHERE i.indrelid = 'buildings'::regclass AND NOT i.indisprimary ORDER BY i.indexrelid`,
  );
  const statements = indexes.map(({ def }) => {
    if (!PARENT_INDEX.test(def)) throw new Error(`unexpected index on buildings: ${def}`);
    return def.replace(
      PARENT_INDEX,
      (_m, unique = '') => `CREATE ${unique}INDEX ON ${table} USING `,
    );
  });
  // Measured on 200,000 rows: trigram GIN 0.40 s, GiST 0.26 s, B-trees 0.09–0.15 s, partial
  // indexes of no rows 0.05 s (a scan).
  const cost = (st: string) =>
    (/ WHERE /.test(st) ? 0 : 10) + (/USING gin/.test(st) ? 3 : /USING gist/.test(st) ? 2 : 1);
  statements.sort((a, b) => cost(b) - cost(a));
  statements.push(`CREATE UNIQUE INDEX ${table}_pkey ON ${table} (id, dataset_id)`);
  return statements;
}

/** Makes the table a partition: no load defaults left, its primary key, attached, tiles bumped. */
async function attachIndexed(tx: ScriptTransaction, datasetId: string, table: string) {
  await tx.exec(`ALTER TABLE ${table} ALTER id DROP DEFAULT, ALTER dataset_id DROP DEFAULT`);
  await tx.exec(
    `ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY USING INDEX ${table}_pkey`,
  );
  await tx.exec(`ALTER TABLE buildings ATTACH PARTITION ${table} FOR VALUES IN (${datasetId})`);
  await tx.exec(`SELECT touch_layer_version('buildings')`);
}

/**
 * Builds the parent's indexes on the dataset's table and attaches it; a table that received no
 * row is dropped instead. Bumps the layer's tile version: rows came in without a statement on
 * `buildings`.
 */
export async function attachDetached(
  tx: ScriptTransaction,
  datasetId: string,
  rows: number,
): Promise<void> {
  const table = partitionOf(datasetId);
  if (rows === 0) {
    await tx.exec(`DROP TABLE ${table}`);
    return;
  }
  await tx.exec(`SET LOCAL maintenance_work_mem = '256MB'`);
  for (const statement of await indexStatements(tx, table)) await tx.exec(statement);
  await attachIndexed(tx, datasetId, table);
}

/**
 * For a table committed unattached (`loadInPhases`): its indexes, built by `lanes` transactions
 * at once (PostgreSQL builds a GIN or GiST index on one core; the builds are a third of an
 * import of buildings). Each lane commits its indexes; on failure the caller drops the table.
 */
export async function buildIndexesInParallel(
  transaction: <T>(fn: (tx: ScriptTransaction) => Promise<T>) => Promise<T>,
  datasetId: string,
  lanes = 2,
): Promise<void> {
  const table = partitionOf(datasetId);
  const queue = await transaction((tx) => indexStatements(tx, table));
  const results = await Promise.allSettled(
    Array.from({ length: lanes }, () =>
      transaction(async (tx) => {
        await tx.exec(`SET LOCAL maintenance_work_mem = '256MB'`);
        for (let st = queue.shift(); st !== undefined; st = queue.shift()) await tx.exec(st);
      }),
    ),
  );
  const failed = results.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/**
 * For a table committed unattached and indexed (`loadInPhases`), in the transaction that records
 * its dataset: attached under the load lock, or dropped when it received no row.
 */
export async function attachCommitted(
  tx: ScriptTransaction,
  datasetId: string,
  rows: number,
): Promise<void> {
  const table = partitionOf(datasetId);
  await tx.query('SELECT pg_advisory_xact_lock($1)', [BUILDINGS_LOAD_LOCK]);
  if (rows === 0) {
    await tx.exec(`DROP TABLE ${table}`);
    return;
  }
  await tx.exec(`COMMENT ON TABLE ${table} IS NULL`);
  await attachIndexed(tx, datasetId, table);
}

/**
 * Drops a dataset's table that was never attached (cleaning up after a failed phase). An
 * attached one stays: its transaction committed even if its client did not hear so.
 */
export async function dropUnattached(tx: ScriptTransaction, datasetId: string): Promise<void> {
  const table = partitionOf(datasetId);
  const [t] = await tx.query<{ attached: boolean }>(
    `SELECT relispartition AS attached FROM pg_class WHERE oid = to_regclass($1)`,
    [table],
  );
  if (t && !t.attached) await tx.exec(`DROP TABLE ${table}`);
}

/**
 * At start: drops the unattached tables of loads whose job is no longer live (its process
 * stopped between committing the rows and attaching them; `recoverInterrupted` has marked the
 * job failed). A table of a job another instance is still running stays.
 */
export async function sweepUnattached(tx: ScriptTransaction): Promise<number> {
  const orphans = await tx.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c
      WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
        AND c.relname ~ '^buildings_d[0-9]+$' AND NOT c.relispartition
        AND obj_description(c.oid, 'pg_class') LIKE '${LOADING}%'
        AND NOT EXISTS (SELECT 1 FROM import_jobs j
          WHERE j.id::text = substr(obj_description(c.oid, 'pg_class'), ${LOADING.length + 1})
            AND j.status IN ('queued', 'running') AND j.lease_expires_at > now())`,
  );
  for (const { name } of orphans) await tx.exec(`DROP TABLE ${partitionOf(name.slice(11))}`);
  return orphans.length;
}

/** The comment on a table committed before it is attached: the job that loads it. */
const LOADING = 'loading for import job ';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Of these datasets, those whose buildings have a partition of their own (imported since the
 * partitioning); the others' rows are in `buildings_default`.
 */
export async function withPartition(
  tx: ScriptTransaction,
  datasetIds: string[],
): Promise<string[]> {
  if (datasetIds.length === 0) return [];
  const rows = await tx.query<{ id: string }>(
    `SELECT d.id::text AS id FROM unnest($1::bigint[]) AS d (id)
      WHERE EXISTS (SELECT 1 FROM pg_inherits i
        WHERE i.inhparent = 'buildings'::regclass AND i.inhrelid = to_regclass('buildings_d' || d.id))`,
    [datasetIds],
  );
  return rows.map((r) => r.id);
}

/** Drops a dataset's partition with its rows; returns how many there were. */
export async function dropPartition(tx: ScriptTransaction, datasetId: string): Promise<number> {
  const table = partitionOf(datasetId);
  const [c] = await tx.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
  await tx.exec(`DROP TABLE ${table}`);
  if (Number(c!.n) > 0) await tx.exec(`SELECT touch_layer_version('buildings')`);
  return Number(c!.n);
}
