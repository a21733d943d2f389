import { createReadStream } from 'node:fs';
import { recordAuditScript } from '../auth/audit';
import type { Actor } from '../auth/principal';
import type { Backend, ScriptTransaction } from '../db/backend';
import { sql, type RawBuilder } from 'kysely';
import {
  BUILDINGS,
  LAND_USE,
  POWER_LINES,
  POWER_NODES,
  ROAD_LINKS,
  ROAD_NODES,
  SENSORS,
  WATER_NODES,
  WATER_PIPES,
  type TableSpec,
} from '../../schema/columns';
import { insertFromStage, updateFromStage } from '../../schema/column-sql';
import { compileSql } from '../../schema/sql';
import {
  attachCommitted,
  attachDetached,
  buildIndexesInParallel,
  createDetached,
  dropPartition,
  dropUnattached,
  partitionOf,
  withPartition,
} from './building-partitions';
import { customLayerSpec, ensureCustomLayer, type CustomLayerRow } from './custom-layers';
import type { ParseResult, TargetKind } from './parse';
import { DIRECT_COLUMNS, STAGE_COLUMNS, type DirectRows, type StageSink } from './stage-writer';
import type { CustomColumn } from './targets/custom';
import { unionBbox } from '../../tiles/bbox';

import type { ImportMode } from '../../common/api-types';
export type { ImportMode };

/**
 * Feeds COPY text to the staging table, and direct rows (`ParseOptions.direct`) to the layer's
 * own table; resolves to what the parse found.
 */
export type Stager = (copy: StageSink) => Promise<ParseResult>;

export interface LoadOptions {
  /**
   * Fills the staging table: from a finished spool file (`spoolStager`), or straight from a
   * parse running alongside (PostgreSQL, where a long transaction blocks no one).
   */
  stage: Stager;
  target: TargetKind;
  /** The layer name as requested (`buildings`, or the custom layer's name). */
  layer: string;
  mode: ImportMode;
  dataset: { name: string; source: string; licence: string; jobId: string | null };
  onPhase?: (phase: 'loading' | 'validating' | 'writing') => void;
  /** Who imports: the audit row (issue #9) is written in the load's own transaction. */
  actor?: Actor;
}

export interface FeatureOutcome {
  idx: number;
  source_id: string | null;
  status: 'repaired' | 'rejected';
  reason: string;
}

export interface LoadResult {
  datasetId: string;
  parsed: ParseResult;
  counts: { accepted: number; repaired: number; rejected: number };
  extent: [number, number, number, number] | null;
  /** Repaired and rejected features, in file order, at most REPORT_LIMIT. */
  outcomes: FeatureOutcome[];
  outcomesTruncated: boolean;
  customLayer?: CustomLayerRow;
  /** Sensor readings stored from long-format observations (new ones; repeats are skipped). */
  readings?: number;
  /** For a network upsert: rows matched and updated in place, and rows inserted. */
  upserted?: UpsertCounts;
}

export interface UpsertCounts {
  nodes: { updated: number; inserted: number };
  links: { updated: number; inserted: number };
}

export const REPORT_LIMIT = 10_000;
const COPY_CHUNK = 4 * 1024 * 1024;

/** Each twin target's table, and its node table for networks: the only tables the SQL below writes. */
const TABLES: Record<Exclude<TargetKind, 'custom'>, { main: TableSpec; nodes?: TableSpec }> = {
  buildings: { main: BUILDINGS },
  roads: { main: ROAD_LINKS, nodes: ROAD_NODES },
  water: { main: WATER_PIPES, nodes: WATER_NODES },
  power: { main: POWER_LINES, nodes: POWER_NODES },
  sensors: { main: SENSORS },
  land_use: { main: LAND_USE },
};

/** Staged features of a simple layer (buildings, land use, sensors, custom layers). */
const FEATURES = sql`FROM import_stage s WHERE s.kind = 'f' AND s.status <> 'rejected'`;
/** Staged network nodes joined to the ids the loader gave them (`m.id`). */
const NODES = sql`FROM import_stage s JOIN import_node_ids m ON m.local = (s.vals->>'local')::int
    WHERE s.kind = 'n'`;
/** Staged network links joined to the ids of their end nodes (`f.id`, `t.id`). */
const LINKS = sql`FROM import_stage s
    JOIN import_node_ids f ON f.local = (s.vals->>'from')::int
    JOIN import_node_ids t ON t.local = (s.vals->>'to')::int
    WHERE s.kind = 'l' AND s.status <> 'rejected'`;
const LINK_ENDS = { from: sql`f.id`, to: sql`t.id` };

/** Runs a Kysely-built statement on the load's transaction. */
async function run<R>(tx: ScriptTransaction, query: RawBuilder<unknown>): Promise<R[]> {
  const c = compileSql(query);
  return tx.query<R>(c.sql, [...c.parameters]);
}

/** The datasets an import replaces: earlier imports of the same dataset name into the layer. */
const previousOf = (o: LoadOptions, datasetId: string) =>
  sql`SELECT id FROM datasets WHERE name = ${o.dataset.name} AND layer = ${o.layer} AND id <> ${datasetId}::bigint`;

/** Source ids of the staged rows that will be written (the upsert keys). */
const STAGED_SOURCE_IDS = sql`SELECT source_id FROM import_stage WHERE source_id IS NOT NULL AND status <> 'rejected'`;

/**
 * Loads a parsed spool in ONE transaction: stage (COPY), validate and repair (ST_MakeValid),
 * apply the mode (replace the previous import of the same dataset name, append, or upsert by
 * source id), insert into the layer, record the dataset. A failure anywhere rolls everything
 * back, so the layer's rows and its tile version are as they were.
 */
export async function loadSpool(backend: Backend, o: LoadOptions): Promise<LoadResult> {
  const jobId = o.dataset.jobId;
  if (o.target === 'buildings' && backend.kind === 'postgres' && jobId)
    return loadInPhases(backend, o, jobId);
  return backend.scriptTransaction(async (tx) => {
    const [ds] = await tx.query<{ id: string }>(
      `INSERT INTO datasets (name, source, licence, layer, mode, job_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [o.dataset.name, o.dataset.source, o.dataset.licence, o.layer, o.mode, o.dataset.jobId],
    );
    const datasetId = String(ds!.id);
    await beginLoad(tx, o);
    const streamed = o.target === 'buildings' || o.target === 'land_use';
    const loaded = streamed
      ? await loadStreamed(tx, o, datasetId, TABLES[o.target as 'buildings' | 'land_use'].main)
      : await loadWhole(tx, o, datasetId);
    return finish(tx, o, datasetId, loaded);
  });
}

/** The load's settings and its staging table, in its transaction. */
async function beginLoad(tx: ScriptTransaction, o: LoadOptions): Promise<void> {
  o.onPhase?.('loading');
  // Per chunk, PostGIS's function costs put each statement past jit_above_cost: compiling it
  // took longer than running it (≈ 4 ms a statement; docs/performance.md).
  await tx.exec(`SET LOCAL jit = off`);
  await tx.exec(`CREATE TEMP TABLE import_stage (kind text NOT NULL, idx integer, source_id text, geom geometry,
      vals jsonb, status text NOT NULL, reason text, simple boolean NOT NULL) ON COMMIT DROP`);
}

/**
 * Buildings on PostgreSQL, in three steps, so that their index builds (a third of the import,
 * each on one core) run on two connections at once:
 * 1. one transaction stages, validates and writes the rows into the dataset's own table, and
 *    commits it unattached: no reader sees it, as the parent does not list it;
 * 2. two transactions build its indexes, sharing them out;
 * 3. one transaction records the dataset, applies the mode (replace, upsert), attaches the table
 *    and writes the audit row.
 * A failure in 2 or 3 drops the table, so the layer and the datasets are as they were; a process
 * that stops between 1 and 3 leaves a table marked with its job, dropped at the next start
 * (`sweepUnattached`, once the job is marked interrupted).
 */
async function loadInPhases(backend: Backend, o: LoadOptions, jobId: string): Promise<LoadResult> {
  // The dataset's id is reserved now (a sequence is not rolled back) and its row written last.
  const { datasetId, loaded } = await backend.scriptTransaction(async (tx) => {
    const [reserved] = await tx.query<{ id: string }>(
      `SELECT nextval(pg_get_serial_sequence('datasets', 'id'))::text AS id`,
    );
    await beginLoad(tx, o);
    const datasetId = reserved!.id;
    return { datasetId, loaded: await loadStreamed(tx, o, datasetId, BUILDINGS, jobId) };
  });
  const rows = loaded.counts.accepted + loaded.counts.repaired;
  try {
    if (rows > 0) await buildIndexesInParallel((fn) => backend.scriptTransaction(fn), datasetId);
    return await backend.scriptTransaction(async (tx) => {
      await tx.query(
        `INSERT INTO datasets (id, name, source, licence, layer, mode, job_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [datasetId, o.dataset.name, o.dataset.source, o.dataset.licence, o.layer, o.mode, jobId],
      );
      const replaced =
        o.mode === 'replace' ? await replacePrevious(tx, o, datasetId, BUILDINGS, true) : [];
      if (o.mode === 'upsert') {
        // Rows of earlier imports with a source id of this one; this import's own rows stay.
        await run(
          tx,
          sql`DELETE FROM buildings WHERE dataset_id <> ${datasetId}::bigint AND source_id IN (
            SELECT source_id FROM ${sql.table(partitionOf(datasetId))} WHERE source_id IS NOT NULL)`,
        );
      }
      await attachCommitted(tx, datasetId, rows);
      for (const id of replaced) await dropPartition(tx, id);
      return finish(tx, o, datasetId, loaded);
    });
  } catch (error) {
    await backend.scriptTransaction((tx) => dropUnattached(tx, datasetId)).catch(() => undefined);
    throw error;
  }
}

/** Records the load's figures on its dataset and in the audit log; the import's result. */
async function finish(
  tx: ScriptTransaction,
  o: LoadOptions,
  datasetId: string,
  loaded: Loaded,
): Promise<LoadResult> {
  const { parsed, counts, extent, outcomes, customLayer, upserted, readings } = loaded;
  await tx.query(
    `UPDATE datasets SET format = $7, crs = $8, accepted = $2, repaired = $3, rejected = $4, feature_count = $5, extent = $6 WHERE id = $1`,
    [
      datasetId,
      counts.accepted,
      counts.repaired,
      counts.rejected,
      counts.accepted + counts.repaired,
      extent,
      parsed.format,
      parsed.crs,
    ],
  );
  if (o.actor) {
    await recordAuditScript(tx, {
      actor: o.actor,
      action: 'import.load',
      targetType: 'dataset',
      targetId: datasetId,
      details: {
        dataset: o.dataset.name,
        layer: o.layer,
        mode: o.mode,
        job: o.dataset.jobId,
        counts,
        ...(upserted ? { upserted } : {}),
        ...(readings !== undefined ? { readings } : {}),
      },
    });
  }
  return {
    datasetId,
    parsed,
    counts,
    extent,
    outcomes: outcomes.slice(0, REPORT_LIMIT).map((r) => ({ ...r, idx: Number(r.idx) })),
    outcomesTruncated: outcomes.length > REPORT_LIMIT,
    customLayer,
    ...(readings !== undefined ? { readings } : {}),
    ...(upserted ? { upserted } : {}),
  };
}

/**
 * Mode replace: the rows of the earlier imports of the same dataset name that are not in a
 * partition of their own are deleted; returns those that are (dropped whole once the new one is
 * in).
 */
async function replacePrevious(
  tx: ScriptTransaction,
  o: LoadOptions,
  datasetId: string,
  main: TableSpec,
  partitioned: boolean,
): Promise<string[]> {
  const previous = await run<{ id: string }>(
    tx,
    sql`SELECT id::text AS id FROM (${previousOf(o, datasetId)}) p`,
  );
  const replaced = partitioned
    ? await withPartition(
        tx,
        previous.map((p) => p.id),
      )
    : [];
  const rest = previous.map((p) => p.id).filter((id) => !replaced.includes(id));
  if (rest.length > 0)
    await run(
      tx,
      sql`DELETE FROM ${sql.table(main.table)} WHERE dataset_id = ANY(${rest}::bigint[])`,
    );
  return replaced;
}

interface Loaded {
  parsed: ParseResult;
  counts: { accepted: number; repaired: number; rejected: number };
  extent: [number, number, number, number] | null;
  /** Repaired and rejected features in file order, at most REPORT_LIMIT + 1. */
  outcomes: FeatureOutcome[];
  customLayer?: CustomLayerRow;
  upserted?: UpsertCounts;
  readings?: number;
}

/** Per feature, its worst row: 3 rejected, 2 repaired, 1 accepted (a feature may stage several rows). */
const BY_STATUS = `SELECT s, count(*) AS n FROM (
    SELECT idx, max(CASE status WHEN 'rejected' THEN 3 WHEN 'repaired' THEN 2 ELSE 1 END) AS s
    FROM import_stage WHERE idx IS NOT NULL GROUP BY idx) q GROUP BY s`;
const EXTENT = `SELECT ST_XMin(b) AS x0, ST_YMin(b) AS y0, ST_XMax(b) AS x1, ST_YMax(b) AS y1
    FROM (SELECT ST_Extent(geom) AS b FROM import_stage WHERE status <> 'rejected') q`;
const OUTCOMES = (table: 'import_stage' | 'import_outcomes') =>
  sql`SELECT DISTINCT ON (idx) idx, source_id, status, reason FROM ${sql.table(table)}
    WHERE idx IS NOT NULL AND status <> 'accepted' ORDER BY idx, status DESC LIMIT ${REPORT_LIMIT + 1}`;

type Extent = [number, number, number, number];

async function countStatus(tx: ScriptTransaction, counts: Loaded['counts']): Promise<void> {
  for (const r of await tx.query<{ s: number; n: string }>(BY_STATUS)) {
    const key = Number(r.s) === 3 ? 'rejected' : Number(r.s) === 2 ? 'repaired' : 'accepted';
    counts[key] += Number(r.n);
  }
}

async function stageExtent(tx: ScriptTransaction): Promise<Extent | null> {
  const [e] = await tx.query<{ x0: number | null; y0: number; x1: number; y1: number }>(EXTENT);
  return e && e.x0 !== null ? ([e.x0, e.y0, e.x1, e.y1].map(Number) as Extent) : null;
}

/**
 * Simple feature layers (buildings, land use) load chunk by chunk as the parse delivers them:
 * each chunk of COPY text is staged, validated and repaired, and inserted into the layer, then
 * the staging table is emptied for the next one. The database works on one chunk while the
 * parse worker reads the next, and staging never holds more than a chunk. Counts and extent are
 * summed per chunk; repaired and rejected features are kept (without geometry) for the report.
 * Still ONE transaction: a failure anywhere leaves the layer as it was.
 */
async function loadStreamed(
  tx: ScriptTransaction,
  o: LoadOptions,
  datasetId: string,
  main: TableSpec,
  /** `loadInPhases`: the job id. Rows only: the mode and the attach come in a later transaction. */
  phasedFor?: string,
): Promise<Loaded> {
  const table = sql.table(main.table);
  await tx.exec(
    `CREATE TEMP TABLE import_outcomes (idx integer, source_id text, status text, reason text) ON COMMIT DROP`,
  );
  // Buildings go into a table of their own, attached as the dataset's partition at the end.
  const detached = o.target === 'buildings' ? await createDetached(tx, datasetId, phasedFor) : null;
  // Replaced datasets with a partition of their own are dropped whole once the new one is in.
  const replaced =
    o.mode === 'replace' && !phasedFor
      ? await replacePrevious(tx, o, datasetId, main, detached !== null)
      : [];
  const insertInto = detached
    ? insertFromStage(
        detached.spec,
        { datasetId, id: sql`nextval(${detached.sequence}::regclass)` },
        FEATURES,
      )
    : insertFromStage(main, { datasetId }, FEATURES);
  const counts = { accepted: 0, repaired: 0, rejected: 0 };
  let extent: Extent | null = null;
  const widen = (e: Extent) => (extent = unionBbox(extent, e));
  const parsed = await o.stage(async (text, direct?: DirectRows) => {
    if (direct) {
      // Rows that need nothing from the database go straight into the dataset's table.
      if (!detached) throw new Error('direct rows without a table of the dataset’s own');
      await tx.copyIn(detached.spec.table, DIRECT_COLUMNS, direct.text);
      counts.accepted += direct.rows;
      widen(direct.bbox);
    }
    if (!text) return;
    await tx.copyIn('import_stage', STAGE_COLUMNS, text);
    await validate(tx, o.target);
    if (o.mode === 'upsert' && !phasedFor) {
      // Rows of earlier imports with a source id of this chunk; this import's own rows stay
      // (a source id repeated in the file is kept twice, as when the file loads whole).
      await run(
        tx,
        sql`DELETE FROM ${table} WHERE dataset_id <> ${datasetId}::bigint
          AND source_id IN (${STAGED_SOURCE_IDS})`,
      );
    }
    await run(tx, insertInto);
    await countStatus(tx, counts);
    const e = await stageExtent(tx);
    if (e) widen(e);
    await tx.exec(`INSERT INTO import_outcomes SELECT idx, source_id, status, reason FROM import_stage
      WHERE idx IS NOT NULL AND status <> 'accepted'; TRUNCATE import_stage`);
  });
  o.onPhase?.('validating');
  o.onPhase?.('writing');
  if (detached && !phasedFor) {
    await attachDetached(tx, datasetId, counts.accepted + counts.repaired);
    for (const id of replaced) await dropPartition(tx, id);
  }
  return {
    parsed,
    counts,
    extent,
    outcomes: await run<FeatureOutcome>(tx, OUTCOMES('import_outcomes')),
  };
}

/** Every other layer: the whole file is staged, then validated and written set-wise. */
async function loadWhole(
  tx: ScriptTransaction,
  o: LoadOptions,
  datasetId: string,
): Promise<Loaded> {
  const parsed = await o.stage((text) => tx.copyIn('import_stage', STAGE_COLUMNS, text));
  let customLayer: CustomLayerRow | undefined;
  if (o.target === 'custom') {
    const columns = (parsed.summary.columns ?? []) as CustomColumn[];
    const geometry = (parsed.summary.geometry ?? 'point') as 'point' | 'line' | 'polygon';
    customLayer = await ensureCustomLayer(tx, o.layer, geometry, columns);
    // A date-time without an offset is read as UTC, whatever the server's time zone.
    await tx.exec(`SET LOCAL TIME ZONE 'UTC'`);
  }

  o.onPhase?.('validating');
  await validate(tx, o.target, customLayer?.geometry);
  if (o.target === 'sensors' && o.mode === 'append') {
    await tx.query(`UPDATE import_stage s SET status = 'rejected', reason = 'a sensor with external_id ' || s.source_id || ' is already registered'
      WHERE s.status <> 'rejected' AND EXISTS (SELECT 1 FROM sensors x WHERE x.external_id = s.source_id)`);
  }
  const networkUpsert =
    o.mode === 'upsert' && o.target !== 'custom' && TABLES[o.target].nodes !== undefined;
  if (networkUpsert) await rejectUnkeyedLinks(tx);

  o.onPhase?.('writing');
  let upserted: UpsertCounts | undefined;
  let readings: number | undefined;
  const previous = previousOf(o, datasetId);
  if (o.target === 'custom') {
    await writeCustom(tx, customLayer!, datasetId, o.mode, previous);
  } else {
    const t = TABLES[o.target];
    const main = sql.table(t.main.table);
    if (o.mode === 'replace') {
      if (o.target === 'sensors') {
        await run(
          tx,
          sql`DELETE FROM sensors WHERE dataset_id IN (${previous})
            AND external_id NOT IN (${STAGED_SOURCE_IDS})`,
        );
      } else {
        await run(tx, sql`DELETE FROM ${main} WHERE dataset_id IN (${previous})`);
        if (t.nodes)
          await run(
            tx,
            sql`DELETE FROM ${sql.table(t.nodes.table)} WHERE dataset_id IN (${previous})`,
          );
      }
    } else if (o.mode === 'upsert' && (o.target === 'buildings' || o.target === 'land_use')) {
      await run(tx, sql`DELETE FROM ${main} WHERE source_id IN (${STAGED_SOURCE_IDS})`);
    }
    if (t.nodes && networkUpsert) {
      upserted = await upsertNetwork(tx, t.main, t.nodes, datasetId, previous);
    } else {
      if (t.nodes) {
        await tx.exec(
          'CREATE TEMP TABLE import_node_ids (local integer, old_id bigint, id bigint) ON COMMIT DROP',
        );
        await run(
          tx,
          sql`INSERT INTO import_node_ids (local, old_id, id)
            SELECT (vals->>'local')::int, NULL::bigint, nextval(pg_get_serial_sequence(${t.nodes.table}::text, 'id'))
            FROM import_stage WHERE kind = 'n'`,
        );
        await run(
          tx,
          insertFromStage(
            t.nodes,
            { datasetId, id: sql`m.id` },
            sql`${NODES} AND m.old_id IS NULL`,
          ),
        );
      }
      await run(
        tx,
        insertFromStage(t.main, { datasetId, ...LINK_ENDS }, t.nodes ? LINKS : FEATURES),
      );
    }
    if (o.target === 'sensors') readings = await loadReadings(tx);
  }

  const counts = { accepted: 0, repaired: 0, rejected: 0 };
  await countStatus(tx, counts);
  const extent = await stageExtent(tx);
  const outcomes = await run<FeatureOutcome>(tx, OUTCOMES('import_stage'));
  return { parsed, counts, extent, outcomes, customLayer, upserted, readings };
}

/**
 * Upsert needs a key for every link: a line without a source id is rejected with the reason,
 * and the line-end nodes generated only for rejected lines are dropped with it.
 */
async function rejectUnkeyedLinks(tx: ScriptTransaction): Promise<void> {
  await tx.exec(`UPDATE import_stage SET status = 'rejected', geom = NULL,
      reason = 'upsert needs a source id on every line: give the feature an id or map one with --map source_id=…'
    WHERE kind = 'l' AND source_id IS NULL AND status <> 'rejected';
    DELETE FROM import_stage n WHERE n.kind = 'n' AND n.idx IS NULL AND NOT EXISTS (
      SELECT 1 FROM import_stage l WHERE l.kind = 'l' AND l.status <> 'rejected'
        AND (n.vals->>'local')::int IN ((l.vals->>'from')::int, (l.vals->>'to')::int));`);
}

/**
 * Network upsert. Nodes are matched by source id, or (without one) by exact position among the
 * nodes of earlier imports of the same dataset name; matched ones keep their id, the rest get new
 * ones. Links are matched by source id (`<feature id>:<part>`), updated in place with the
 * resolved node ids, and the unmatched ones inserted. `nodes` and `main` come from TABLES.
 */
async function upsertNetwork(
  tx: ScriptTransaction,
  main: TableSpec,
  nodes: TableSpec,
  datasetId: string,
  previous: RawBuilder<unknown>,
): Promise<UpsertCounts> {
  const nodeTable = sql.table(nodes.table);
  const mainTable = sql.table(main.table);
  await tx.exec(
    'CREATE TEMP TABLE import_node_ids (local integer, old_id bigint, id bigint) ON COMMIT DROP',
  );
  await run(
    tx,
    sql`INSERT INTO import_node_ids (local, old_id, id)
    SELECT q.local, q.old_id, coalesce(q.old_id, nextval(pg_get_serial_sequence(${nodes.table}::text, 'id'))) AS id
    FROM (
      SELECT (s.vals->>'local')::int AS local, CASE WHEN s.source_id IS NOT NULL
          THEN (SELECT min(x.id) FROM ${nodeTable} x WHERE x.source_id = s.source_id)
          ELSE (SELECT min(x.id) FROM ${nodeTable} x WHERE x.dataset_id IN (${previous}) AND ST_Equals(x.geom, ST_Transform(s.geom, 3857)))
        END AS old_id
      FROM import_stage s WHERE s.kind = 'n' AND s.status <> 'rejected'
    ) q`,
  );
  const [n] = await tx.query<{ matched: string; fresh: string }>(
    `SELECT count(old_id) AS matched, count(*) - count(old_id) AS fresh FROM import_node_ids`,
  );
  // A node fed by a point feature and matched is updated in place (its id kept); a generated
  // line-end node that matched is only reused.
  await run(
    tx,
    updateFromStage(nodes, { datasetId }, sql`${NODES} AND s.idx IS NOT NULL AND x.id = m.old_id`),
  );
  await run(
    tx,
    insertFromStage(nodes, { datasetId, id: sql`m.id` }, sql`${NODES} AND m.old_id IS NULL`),
  );
  const matched = sql`EXISTS (SELECT 1 FROM ${mainTable} x WHERE x.source_id = s.source_id)`;
  const [l] = await run<{ matched: string; fresh: string }>(
    tx,
    sql`SELECT count(*) FILTER (WHERE ${matched}) AS matched, count(*) FILTER (WHERE NOT ${matched}) AS fresh
     FROM import_stage s WHERE s.kind = 'l' AND s.status <> 'rejected'`,
  );
  // Links matched by source id are updated in place (ids kept), joined to the new node ids.
  await run(
    tx,
    updateFromStage(main, { datasetId, ...LINK_ENDS }, sql`${LINKS} AND x.source_id = s.source_id`),
  );
  await run(
    tx,
    insertFromStage(main, { datasetId, ...LINK_ENDS }, sql`${LINKS} AND NOT ${matched}`),
  );
  return {
    nodes: { updated: Number(n?.matched ?? 0), inserted: Number(n?.fresh ?? 0) },
    links: { updated: Number(l?.matched ?? 0), inserted: Number(l?.fresh ?? 0) },
  };
}

/**
 * Long-format observations: the staged readings of sensors that exist now (the file's or ones
 * registered before), each stored once, and every sensor's current state moved forward.
 */
async function loadReadings(tx: ScriptTransaction): Promise<number> {
  const [r] = await tx.query<{ n: string }>(`WITH ins AS (
      INSERT INTO readings (sensor_id, ts, value)
      SELECT s.id, (r.vals->>'ts')::timestamptz, (r.vals->>'value')::float8
      FROM import_stage r JOIN sensors s ON s.external_id = r.source_id WHERE r.kind = 'r'
      ON CONFLICT DO NOTHING RETURNING 1)
    SELECT count(*)::text AS n FROM ins`);
  await tx.exec(`INSERT INTO sensor_state (sensor_id, ts, value)
    SELECT DISTINCT ON (s.id) s.id, (r.vals->>'ts')::timestamptz, (r.vals->>'value')::float8
    FROM import_stage r JOIN sensors s ON s.external_id = r.source_id WHERE r.kind = 'r'
    ORDER BY s.id, (r.vals->>'ts')::timestamptz DESC
    ON CONFLICT (sensor_id) DO UPDATE SET ts = EXCLUDED.ts, value = EXCLUDED.value, received_at = now()
      WHERE sensor_state.ts < EXCLUDED.ts`);
  return Number(r?.n ?? 0);
}

/** Stages a finished spool file in COPY chunks cut at line ends (bounded memory). */
export function spoolStager(path: string, parsed: ParseResult): Stager {
  return async (copy) => {
    let carry = '';
    for await (const chunk of createReadStream(path, {
      encoding: 'utf8',
      highWaterMark: COPY_CHUNK,
    })) {
      const text = carry + (chunk as string);
      const cut = text.lastIndexOf('\n') + 1;
      carry = text.slice(cut);
      if (cut > 0) await copy(text.slice(0, cut));
    }
    if (carry) await copy(`${carry}\n`);
    return parsed;
  };
}

/**
 * Topology in PostGIS: invalid polygons (bow-ties, self-intersections) are made valid and marked
 * repaired with the reason; a repair that leaves no area, and invalid lines, are rejected.
 */
async function validate(
  tx: ScriptTransaction,
  target: TargetKind,
  customGeometry?: string,
): Promise<void> {
  const polygons =
    target === 'buildings' ||
    target === 'land_use' ||
    (target === 'custom' && customGeometry === 'polygon');
  if (polygons) {
    await tx.exec(`UPDATE import_stage SET status = 'repaired', reason = 'invalid geometry repaired: ' || ST_IsValidReason(geom),
        geom = ST_CollectionExtract(ST_MakeValid(geom), 3)
      WHERE status = 'accepted' AND geom IS NOT NULL AND NOT simple AND NOT ST_IsValid(geom);
      UPDATE import_stage SET status = 'rejected', reason = reason || '; the repair left no area', geom = NULL
      WHERE status = 'repaired' AND (geom IS NULL OR ST_IsEmpty(geom) OR ST_Area(geom) = 0);`);
  } else {
    await tx.exec(`UPDATE import_stage SET status = 'rejected', reason = 'invalid geometry: ' || ST_IsValidReason(geom), geom = NULL
      WHERE status = 'accepted' AND geom IS NOT NULL AND kind <> 'n' AND NOT ST_IsValid(geom)`);
  }
}

async function writeCustom(
  tx: ScriptTransaction,
  layer: CustomLayerRow,
  datasetId: string,
  mode: ImportMode,
  previous: RawBuilder<unknown>,
): Promise<void> {
  // The table name and column names passed the custom-layer name rules in ensureCustomLayer.
  const spec = customLayerSpec(layer);
  const table = sql.table(spec.table);
  if (mode === 'replace') {
    await run(tx, sql`DELETE FROM ${table} WHERE dataset_id IN (${previous})`);
  } else if (mode === 'upsert') {
    await run(tx, sql`DELETE FROM ${table} WHERE source_id IN (${STAGED_SOURCE_IDS})`);
  }
  await run(tx, insertFromStage(spec, { datasetId }, FEATURES));
}
