import type { ScriptTransaction } from '../db/backend';
import { BUILDINGS, type TableSpec } from '../../schema/columns';

/**
 * `buildings` is partitioned by dataset (migration 20261202001000). An import of buildings does
 * not insert into the live table, where every row would update seven indexes and run the
 * foreign-key check: it writes into a table of its own with neither, builds that table's indexes
 * once (a sorted GiST build), and attaches it as its dataset's partition, which checks the
 * foreign key once for the whole table. All of it in the load's transaction, so a failed import
 * leaves no table behind. Readers of `buildings` are not blocked while the rows are written and
 * indexed; the attach itself (a scan of `buildings_default` for rows of the new dataset id)
 * holds them for milliseconds at the end.
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
): Promise<DetachedBuildings> {
  await tx.query('SELECT pg_advisory_xact_lock($1)', [BUILDINGS_LOAD_LOCK]);
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
  return { spec: { ...BUILDINGS, table }, sequence: seq!.seq };
}

/** A string as an SQL literal (a name read from the catalogue, for a DDL statement). */
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** `CREATE INDEX <name> ON ONLY public.buildings USING …`, as `pg_get_indexdef` prints it. */
const PARENT_INDEX = /^CREATE (UNIQUE )?INDEX \S+ ON ONLY (?:"?[a-z_0-9]+"?\.)?buildings USING /;

/**
 * Builds the parent's indexes on the dataset's table (the attach adopts them instead of building
 * its own under the lock) and attaches it; a table that received no row is dropped instead.
 * Bumps the layer's tile version: rows came in without a statement on `buildings`.
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
  await tx.exec(`ALTER TABLE ${table} ALTER id DROP DEFAULT, ALTER dataset_id DROP DEFAULT;
    SET LOCAL maintenance_work_mem = '256MB'`);
  const indexes = await tx.query<{ def: string }>(
    `SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
      WHERE i.indrelid = 'buildings'::regclass AND NOT i.indisprimary ORDER BY i.indexrelid`,
  );
  for (const { def } of indexes) {
    if (!PARENT_INDEX.test(def)) throw new Error(`unexpected index on buildings: ${def}`);
    await tx.exec(
      def.replace(PARENT_INDEX, (_m, unique = '') => `CREATE ${unique}INDEX ON ${table} USING `),
    );
  }
  await tx.exec(`ALTER TABLE ${table} ADD PRIMARY KEY (id, dataset_id)`);
  await tx.exec(`ALTER TABLE buildings ATTACH PARTITION ${table} FOR VALUES IN (${datasetId})`);
  await tx.exec(`SELECT touch_layer_version('buildings')`);
}

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
