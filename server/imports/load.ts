import { createReadStream } from 'node:fs';
import { recordAuditScript } from '../auth/audit';
import type { Actor } from '../auth/principal';
import type { Backend, ScriptTransaction } from '../db/backend';
import { ensureCustomLayer, type CustomLayerRow } from './custom-layers';
import type { ParseResult, TargetKind } from './parse';
import { STAGE_COLUMNS } from './stage-writer';
import type { CustomColumn } from './targets/custom';

export type ImportMode = 'replace' | 'append' | 'upsert';

/** Feeds COPY text to the staging table; resolves to what the parse found. */
export type Stager = (copy: (text: string) => Promise<void>) => Promise<ParseResult>;

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

/** Twin-layer tables, their node table for networks: the only identifiers the SQL below uses. */
const TABLES: Record<Exclude<TargetKind, 'custom'>, { main: string; nodes?: string }> = {
  buildings: { main: 'buildings' },
  roads: { main: 'road_links', nodes: 'road_nodes' },
  water: { main: 'water_pipes', nodes: 'water_nodes' },
  power: { main: 'power_lines', nodes: 'power_nodes' },
  sensors: { main: 'sensors' },
  land_use: { main: 'land_use' },
};

const NODE_INSERT: Record<string, string> = {
  road_nodes: `INSERT INTO road_nodes (id, geom, dataset_id, source_id, attributes)
    SELECT m.id, ST_Transform(s.geom, 3857), $1, s.source_id, coalesce(s.vals->'attributes', '{}')
    FROM import_stage s JOIN import_node_ids m ON m.local = (s.vals->>'local')::int WHERE s.kind = 'n' AND m.old_id IS NULL`,
  water_nodes: `INSERT INTO water_nodes (id, geom, kind, name, elevation_m, capacity_m3, dataset_id, source_id, attributes)
    SELECT m.id, ST_Transform(s.geom, 3857), s.vals->>'kind', s.vals->>'name', (s.vals->>'elevation_m')::real,
      (s.vals->>'capacity_m3')::real, $1, s.source_id, coalesce(s.vals->'attributes', '{}')
    FROM import_stage s JOIN import_node_ids m ON m.local = (s.vals->>'local')::int WHERE s.kind = 'n' AND m.old_id IS NULL`,
  power_nodes: `INSERT INTO power_nodes (id, geom, kind, name, voltage_kv, capacity_kva, dataset_id, source_id, attributes)
    SELECT m.id, ST_Transform(s.geom, 3857), s.vals->>'kind', s.vals->>'name', (s.vals->>'voltage_kv')::real,
      (s.vals->>'capacity_kva')::real, $1, s.source_id, coalesce(s.vals->'attributes', '{}')
    FROM import_stage s JOIN import_node_ids m ON m.local = (s.vals->>'local')::int WHERE s.kind = 'n' AND m.old_id IS NULL`,
};

/**
 * Network upsert: a node fed by a point feature and matched to an existing node is updated in
 * place (its id kept); a generated line-end node that matched is only reused.
 */
const NODE_UPDATE: Record<string, string> = {
  road_nodes: `UPDATE road_nodes x SET geom = ST_Transform(s.geom, 3857), dataset_id = $1, source_id = s.source_id,
      attributes = coalesce(s.vals->'attributes', '{}')
    FROM import_stage s JOIN import_node_ids m ON m.local = (s.vals->>'local')::int
    WHERE s.kind = 'n' AND s.idx IS NOT NULL AND x.id = m.old_id`,
  water_nodes: `UPDATE water_nodes x SET geom = ST_Transform(s.geom, 3857), kind = s.vals->>'kind', name = s.vals->>'name',
      elevation_m = (s.vals->>'elevation_m')::real, capacity_m3 = (s.vals->>'capacity_m3')::real, dataset_id = $1,
      source_id = s.source_id, attributes = coalesce(s.vals->'attributes', '{}')
    FROM import_stage s JOIN import_node_ids m ON m.local = (s.vals->>'local')::int
    WHERE s.kind = 'n' AND s.idx IS NOT NULL AND x.id = m.old_id`,
  power_nodes: `UPDATE power_nodes x SET geom = ST_Transform(s.geom, 3857), kind = s.vals->>'kind', name = s.vals->>'name',
      voltage_kv = (s.vals->>'voltage_kv')::real, capacity_kva = (s.vals->>'capacity_kva')::real, dataset_id = $1,
      source_id = s.source_id, attributes = coalesce(s.vals->'attributes', '{}')
    FROM import_stage s JOIN import_node_ids m ON m.local = (s.vals->>'local')::int
    WHERE s.kind = 'n' AND s.idx IS NOT NULL AND x.id = m.old_id`,
};

const LINKS = `FROM import_stage s
    JOIN import_node_ids f ON f.local = (s.vals->>'from')::int
    JOIN import_node_ids t ON t.local = (s.vals->>'to')::int
    WHERE s.kind = 'l' AND s.status <> 'rejected'`;

const MAIN_INSERT: Record<string, string> = {
  buildings: `INSERT INTO buildings (geom, height_m, levels, use, name, year_built, min_height_m, dataset_id, source_id, attributes,
      lod, surfaces, surface_types)
    SELECT ST_Multi(ST_Transform(geom, 3857)), (vals->>'height_m')::real, (vals->>'levels')::smallint, vals->>'use',
      vals->>'name', (vals->>'year_built')::smallint, (vals->>'min_height_m')::real, $1, source_id, coalesce(vals->'attributes', '{}'),
      vals->>'lod', ST_Transform(ST_GeomFromEWKT(vals->>'surfaces'), 3857),
      CASE WHEN vals ? 'surface_types' THEN ARRAY(SELECT jsonb_array_elements_text(vals->'surface_types')) END
    FROM import_stage WHERE kind = 'f' AND status <> 'rejected'`,
  road_links: `INSERT INTO road_links (from_node, to_node, geom, class, name, lanes, speed_limit_kmh, capacity_veh_h, oneway, length_m, dataset_id, source_id, attributes)
    SELECT f.id, t.id, ST_Transform(s.geom, 3857), s.vals->>'class', s.vals->>'name', (s.vals->>'lanes')::smallint,
      (s.vals->>'speed_limit_kmh')::real, (s.vals->>'capacity_veh_h')::real, (s.vals->>'oneway')::boolean,
      ST_Length(s.geom::geography), $1, s.source_id, coalesce(s.vals->'attributes', '{}') ${LINKS}`,
  water_pipes: `INSERT INTO water_pipes (from_node, to_node, geom, diameter_mm, material, capacity_l_s, length_m, dataset_id, source_id, attributes)
    SELECT f.id, t.id, ST_Transform(s.geom, 3857), (s.vals->>'diameter_mm')::real, s.vals->>'material',
      (s.vals->>'capacity_l_s')::real, ST_Length(s.geom::geography), $1, s.source_id, coalesce(s.vals->'attributes', '{}') ${LINKS}`,
  power_lines: `INSERT INTO power_lines (from_node, to_node, geom, voltage_kv, capacity_kva, length_m, name, dataset_id, source_id, attributes)
    SELECT f.id, t.id, ST_Transform(s.geom, 3857), (s.vals->>'voltage_kv')::real, (s.vals->>'capacity_kva')::real,
      ST_Length(s.geom::geography), s.vals->>'name', $1, s.source_id, coalesce(s.vals->'attributes', '{}') ${LINKS}`,
  land_use: `INSERT INTO land_use (geom, class, name, max_height_m, dataset_id, source_id, attributes)
    SELECT ST_Multi(ST_Transform(geom, 3857)), vals->>'class', vals->>'name', (vals->>'max_height_m')::real, $1, source_id,
      coalesce(vals->'attributes', '{}')
    FROM import_stage WHERE kind = 'f' AND status <> 'rejected'`,
  // Sensors keep their id when re-registered (readings refer to it): upsert on external_id.
  sensors: `INSERT INTO sensors (external_id, kind, unit, name, geom, reference_value, interval_s, dataset_id, attributes)
    SELECT source_id, vals->>'kind', vals->>'unit', vals->>'name', ST_Transform(geom, 3857),
      (vals->>'reference_value')::float8, (vals->>'interval_s')::int, $1, coalesce(vals->'attributes', '{}')
    FROM import_stage WHERE kind = 'f' AND status <> 'rejected'
    ON CONFLICT (external_id) DO UPDATE SET kind = EXCLUDED.kind, unit = EXCLUDED.unit, name = EXCLUDED.name,
      geom = EXCLUDED.geom, reference_value = EXCLUDED.reference_value, interval_s = EXCLUDED.interval_s,
      dataset_id = EXCLUDED.dataset_id, attributes = EXCLUDED.attributes`,
};

/** Network upsert: links matched by source id are updated in place (ids kept), joined to the new node ids. */
const LINK_UPDATE: Record<string, string> = {
  road_links: `UPDATE road_links x SET from_node = f.id, to_node = t.id, geom = ST_Transform(s.geom, 3857), class = s.vals->>'class',
      name = s.vals->>'name', lanes = (s.vals->>'lanes')::smallint, speed_limit_kmh = (s.vals->>'speed_limit_kmh')::real,
      capacity_veh_h = (s.vals->>'capacity_veh_h')::real, oneway = (s.vals->>'oneway')::boolean,
      length_m = ST_Length(s.geom::geography), dataset_id = $1, attributes = coalesce(s.vals->'attributes', '{}')
    ${LINKS} AND x.source_id = s.source_id`,
  water_pipes: `UPDATE water_pipes x SET from_node = f.id, to_node = t.id, geom = ST_Transform(s.geom, 3857),
      diameter_mm = (s.vals->>'diameter_mm')::real, material = s.vals->>'material', capacity_l_s = (s.vals->>'capacity_l_s')::real,
      length_m = ST_Length(s.geom::geography), dataset_id = $1, attributes = coalesce(s.vals->'attributes', '{}')
    ${LINKS} AND x.source_id = s.source_id`,
  power_lines: `UPDATE power_lines x SET from_node = f.id, to_node = t.id, geom = ST_Transform(s.geom, 3857),
      voltage_kv = (s.vals->>'voltage_kv')::real, capacity_kva = (s.vals->>'capacity_kva')::real,
      length_m = ST_Length(s.geom::geography), name = s.vals->>'name', dataset_id = $1, attributes = coalesce(s.vals->'attributes', '{}')
    ${LINKS} AND x.source_id = s.source_id`,
};

const SQL_CAST: Record<CustomColumn['type'], string> = {
  int: 'integer',
  float: 'double precision',
  string: 'text',
  boolean: 'boolean',
};

/**
 * Loads a parsed spool in ONE transaction: stage (COPY), validate and repair (ST_MakeValid),
 * apply the mode (replace the previous import of the same dataset name, append, or upsert by
 * source id), insert into the layer, record the dataset. A failure anywhere rolls everything
 * back, so the layer's rows and its tile version are as they were.
 */
export async function loadSpool(backend: Backend, o: LoadOptions): Promise<LoadResult> {
  return backend.scriptTransaction(async (tx) => {
    const [ds] = await tx.query<{ id: string }>(
      `INSERT INTO datasets (name, source, licence, layer, mode, job_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [o.dataset.name, o.dataset.source, o.dataset.licence, o.layer, o.mode, o.dataset.jobId],
    );
    const datasetId = String(ds!.id);

    o.onPhase?.('loading');
    await tx.exec(`CREATE TEMP TABLE import_stage (kind text NOT NULL, idx integer, source_id text, geom geometry,
      vals jsonb, status text NOT NULL, reason text) ON COMMIT DROP`);
    const streamed = o.target === 'buildings' || o.target === 'land_use';
    const s = streamed
      ? await loadStreamed(tx, o, datasetId, TABLES[o.target as 'buildings' | 'land_use'].main)
      : await loadWhole(tx, o, datasetId);
    const { parsed, counts, extent, outcomes, customLayer, upserted, readings } = s;
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
  });
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
const OUTCOMES = (
  table: string,
) => `SELECT DISTINCT ON (idx) idx, source_id, status, reason FROM ${table}
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
  main: string,
): Promise<Loaded> {
  const previous = `SELECT id FROM datasets WHERE name = $2 AND layer = $3 AND id <> $1`;
  await tx.exec(
    `CREATE TEMP TABLE import_outcomes (idx integer, source_id text, status text, reason text) ON COMMIT DROP`,
  );
  if (o.mode === 'replace')
    await tx.query(`DELETE FROM ${main} WHERE dataset_id IN (${previous})`, [
      datasetId,
      o.dataset.name,
      o.layer,
    ]);
  const counts = { accepted: 0, repaired: 0, rejected: 0 };
  let extent: Extent | null = null;
  const parsed = await o.stage(async (text) => {
    await tx.copyIn('import_stage', STAGE_COLUMNS, text);
    await validate(tx, o.target);
    if (o.mode === 'upsert') {
      // Rows of earlier imports with a source id of this chunk; this import's own rows stay
      // (a source id repeated in the file is kept twice, as when the file loads whole).
      await tx.query(
        `DELETE FROM ${main} WHERE dataset_id <> $1 AND source_id IN
        (SELECT source_id FROM import_stage WHERE source_id IS NOT NULL AND status <> 'rejected')`,
        [datasetId],
      );
    }
    await tx.query(MAIN_INSERT[main]!, [datasetId]);
    await countStatus(tx, counts);
    const e = await stageExtent(tx);
    if (e)
      extent = extent
        ? [
            Math.min(extent[0], e[0]),
            Math.min(extent[1], e[1]),
            Math.max(extent[2], e[2]),
            Math.max(extent[3], e[3]),
          ]
        : e;
    await tx.exec(`INSERT INTO import_outcomes SELECT idx, source_id, status, reason FROM import_stage
      WHERE idx IS NOT NULL AND status <> 'accepted'; TRUNCATE import_stage`);
  });
  o.onPhase?.('validating');
  o.onPhase?.('writing');
  return {
    parsed,
    counts,
    extent,
    outcomes: await tx.query<FeatureOutcome>(OUTCOMES('import_outcomes')),
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
  const previous = `SELECT id FROM datasets WHERE name = $2 AND layer = $3 AND id <> $1`;
  if (o.target === 'custom') {
    await writeCustom(tx, customLayer!, datasetId, o.mode, previous, o);
  } else {
    const t = TABLES[o.target];
    if (o.mode === 'replace') {
      if (o.target === 'sensors') {
        await tx.query(
          `DELETE FROM sensors WHERE dataset_id IN (${previous})
          AND external_id NOT IN (SELECT source_id FROM import_stage WHERE source_id IS NOT NULL AND status <> 'rejected')`,
          [datasetId, o.dataset.name, o.layer],
        );
      } else {
        await tx.query(`DELETE FROM ${t.main} WHERE dataset_id IN (${previous})`, [
          datasetId,
          o.dataset.name,
          o.layer,
        ]);
        if (t.nodes)
          await tx.query(`DELETE FROM ${t.nodes} WHERE dataset_id IN (${previous})`, [
            datasetId,
            o.dataset.name,
            o.layer,
          ]);
      }
    } else if (o.mode === 'upsert' && (o.target === 'buildings' || o.target === 'land_use')) {
      await tx.query(`DELETE FROM ${t.main} WHERE source_id IN
        (SELECT source_id FROM import_stage WHERE source_id IS NOT NULL AND status <> 'rejected')`);
    }
    if (t.nodes && networkUpsert) {
      upserted = await upsertNetwork(
        tx,
        t.main,
        t.nodes,
        [datasetId, o.dataset.name, o.layer],
        previous,
      );
    } else {
      if (t.nodes) {
        await tx.exec(`CREATE TEMP TABLE import_node_ids ON COMMIT DROP AS
          SELECT (vals->>'local')::int AS local, NULL::bigint AS old_id, nextval(pg_get_serial_sequence('${t.nodes}', 'id')) AS id
          FROM import_stage WHERE kind = 'n'`);
        await tx.query(NODE_INSERT[t.nodes]!, [datasetId]);
      }
      await tx.query(MAIN_INSERT[t.main]!, [datasetId]);
    }
    if (o.target === 'sensors') readings = await loadReadings(tx);
  }

  const counts = { accepted: 0, repaired: 0, rejected: 0 };
  await countStatus(tx, counts);
  const extent = await stageExtent(tx);
  const outcomes = await tx.query<FeatureOutcome>(OUTCOMES('import_stage'));
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
  main: string,
  nodes: string,
  params: [string, string, string],
  previous: string,
): Promise<UpsertCounts> {
  const [datasetId] = params;
  await tx.exec(
    'CREATE TEMP TABLE import_node_ids (local integer, old_id bigint, id bigint) ON COMMIT DROP',
  );
  await tx.query(
    `INSERT INTO import_node_ids (local, old_id, id)
    SELECT q.local, q.old_id, coalesce(q.old_id, nextval(pg_get_serial_sequence('${nodes}', 'id'))) AS id
    FROM (
      SELECT (s.vals->>'local')::int AS local, CASE WHEN s.source_id IS NOT NULL
          THEN (SELECT min(x.id) FROM ${nodes} x WHERE x.source_id = s.source_id)
          ELSE (SELECT min(x.id) FROM ${nodes} x WHERE x.dataset_id IN (${previous}) AND ST_Equals(x.geom, ST_Transform(s.geom, 3857)))
        END AS old_id
      FROM import_stage s WHERE s.kind = 'n' AND s.status <> 'rejected'
    ) q`,
    params,
  );
  const [n] = await tx.query<{ matched: string; fresh: string }>(
    `SELECT count(old_id) AS matched, count(*) - count(old_id) AS fresh FROM import_node_ids`,
  );
  await tx.query(NODE_UPDATE[nodes]!, [datasetId]);
  await tx.query(NODE_INSERT[nodes]!, [datasetId]);
  const [l] = await tx.query<{ matched: string; fresh: string }>(
    `SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM ${main} x WHERE x.source_id = s.source_id)) AS matched,
       count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM ${main} x WHERE x.source_id = s.source_id)) AS fresh
     FROM import_stage s WHERE s.kind = 'l' AND s.status <> 'rejected'`,
  );
  await tx.query(LINK_UPDATE[main]!, [datasetId]);
  await tx.query(
    `${MAIN_INSERT[main]!} AND NOT EXISTS (SELECT 1 FROM ${main} x WHERE x.source_id = s.source_id)`,
    [datasetId],
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
      WHERE status = 'accepted' AND geom IS NOT NULL AND NOT ST_IsValid(geom);
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
  previous: string,
  o: LoadOptions,
): Promise<void> {
  const table = `"${layer.table_name}"`;
  if (mode === 'replace') {
    await tx.query(`DELETE FROM ${table} WHERE dataset_id IN (${previous})`, [
      datasetId,
      o.dataset.name,
      o.layer,
    ]);
  } else if (mode === 'upsert') {
    await tx.query(
      `DELETE FROM ${table} WHERE source_id IN (SELECT source_id FROM import_stage WHERE source_id IS NOT NULL AND status <> 'rejected')`,
    );
  }
  const cols = layer.columns;
  const names = cols.map((c) => `, "${c.name}"`).join('');
  // Column names passed COLUMN_NAME in ensureCustomLayer; the key is a bound-free literal of them.
  const values = cols.map((c) => `, (vals->'values'->>'${c.name}')::${SQL_CAST[c.type]}`).join('');
  await tx.query(
    `INSERT INTO ${table} (geom, dataset_id, source_id, attributes${names})
    SELECT ST_Transform(geom, 3857), $1, source_id, coalesce(vals->'attributes', '{}')${values}
    FROM import_stage WHERE kind = 'f' AND status <> 'rejected'`,
    [datasetId],
  );
}
