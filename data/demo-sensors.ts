import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema/database';

/** External ids of the demo's sensors start with this; the simulator drives only these. */
export const DEMO_SENSOR_PREFIX = 'demo-';

/** Water mains with a flow meter: the widest pipes. */
const FLOW_METERED_MAINS = 60;
/** One junction in this many carries a pressure logger (plus every tank, reservoir and pump). */
const PRESSURE_JUNCTION_EVERY = 25;

/**
 * Registers the demo city's sensors from its networks (idempotent: existing external ids are
 * kept): speed and flow on every arterial and collector link, pressure at key water nodes, flow
 * on the widest mains, load at substations and on feeders (lines leaving a substation).
 * Positions are the asset's midpoint or node. Returns the number of sensors created.
 */
export async function registerDemoSensors(
  db: Kysely<Database>,
  datasetId: string | null,
  intervalS = 60,
): Promise<number> {
  const ds = datasetId === null ? sql`NULL::bigint` : sql`${datasetId}::bigint`;
  const { rows } = await sql<{ n: number | string }>`WITH candidates AS (
      SELECT 'demo-speed-' || id AS external_id, 'traffic_speed' AS kind, 'km/h' AS unit,
        'road_link' AS asset_type, id AS asset_id, ST_LineInterpolatePoint(geom, 0.5) AS geom,
        speed_limit_kmh::float8 AS reference_value, name
      FROM road_links WHERE class IN ('arterial', 'collector')
      UNION ALL
      SELECT 'demo-flow-' || id, 'traffic_flow', 'veh/h', 'road_link', id,
        ST_LineInterpolatePoint(geom, 0.5), capacity_veh_h::float8, name
      FROM road_links WHERE class IN ('arterial', 'collector')
      UNION ALL
      SELECT 'demo-pressure-' || id, 'water_pressure', 'bar', 'water_node', id, geom, 4.0, name
      FROM water_nodes WHERE kind <> 'junction' OR id % ${PRESSURE_JUNCTION_EVERY} = 0
      UNION ALL
      SELECT * FROM (
        SELECT 'demo-waterflow-' || id, 'water_flow', 'l/s', 'water_pipe', id,
          ST_LineInterpolatePoint(geom, 0.5), greatest(capacity_l_s, 1)::float8, NULL::text
        FROM water_pipes ORDER BY diameter_mm DESC, id LIMIT ${FLOW_METERED_MAINS}) mains
      UNION ALL
      SELECT 'demo-load-' || id, 'power_load', 'kVA', 'power_node', id, geom,
        greatest(coalesce(capacity_kva, 40000), 1)::float8, name
      FROM power_nodes WHERE kind = 'substation'
      UNION ALL
      SELECT 'demo-feeder-' || l.id, 'power_load', 'kVA', 'power_line', l.id,
        ST_LineInterpolatePoint(l.geom, 0.5), greatest(l.capacity_kva, 1)::float8, l.name
      FROM power_lines l
      WHERE EXISTS (SELECT 1 FROM power_nodes n WHERE n.kind = 'substation'
        AND n.id IN (l.from_node, l.to_node))
    ), ins AS (
      INSERT INTO sensors (external_id, kind, unit, name, geom, asset_type, asset_id,
        reference_value, interval_s, dataset_id, attributes)
      SELECT external_id, kind, unit, name, geom, asset_type, asset_id, reference_value,
        ${intervalS}, ${ds}, '{"simulated": true}'::jsonb
      FROM candidates ORDER BY kind, asset_id
      ON CONFLICT (external_id) DO NOTHING
      RETURNING 1
    ) SELECT count(*) AS n FROM ins`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** The demo city's dataset id, or null when it was not seeded. */
export async function demoDatasetId(db: Kysely<Database>): Promise<string | null> {
  const row = await db
    .selectFrom('datasets')
    .select('id')
    .where('synthetic', '=', true)
    .orderBy('id')
    .executeTakeFirst();
  return row ? String(row.id) : null;
}
