import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../schema/database';
import type { LayerDefinition } from './catalog';
import { ADDED_ID_OFFSET } from '../common/scenario-ids';

/**
 * Scenario tiles (issue #5): `?scenario={id}` swaps a layer's table for "baseline + the
 * scenario's edits" (`scenario_edits`, applied in seq order; the baseline is never written), and
 * adds a `changes` layer marking added, changed and removed features. The scenario id is a
 * bound parameter; the subqueries keep the table's column names, so the catalogue's attribute
 * list and the `t.geom && envelope` filter apply unchanged.
 */

export interface ScenarioRef {
  id: string;
  version: number;
}

/** Ids of added features in tiles: offset past any baseline id, plus the edit id. */
export { ADDED_ID_OFFSET };

export const CHANGES_LAYER: LayerDefinition = {
  name: 'changes',
  // Who may see a scenario's tiles is the scenario's own rule (server/scenarios).
  access: 'public',
  description: 'Features a scenario adds, changes or removes (only with ?scenario=)',
  table: 'scenario_edits',
  geometry: 'polygon',
  versionKey: 'scenario_edits',
  attributes: {
    change: { type: 'string', description: 'added, changed or removed' },
    kind: { type: 'string', description: 'Edit kind (add_building, edit_road, …)' },
    edit_id: { type: 'int', description: 'Edit id in the scenario' },
  },
  minzoom: 10,
  maxzoom: 18,
};

/** The scenario's current version, or null when there is no such scenario. */
export async function findScenarioRef(
  db: Kysely<Database>,
  id: string,
): Promise<ScenarioRef | null> {
  const row = await db
    .selectFrom('scenarios')
    .select(['id', 'version'])
    .where('id', '=', id)
    .executeTakeFirst();
  return row ? { id: row.id, version: Number(row.version) } : null;
}

/** Latest non-null value of a resolved edit column, per target. */
const latest = (column: string) =>
  sql`(array_agg(${sql.ref(column)} ORDER BY seq DESC) FILTER (WHERE ${sql.ref(column)} IS NOT NULL))[1]`;

function buildingsSource(id: string): RawBuilder<unknown> {
  return sql`(
    SELECT b.id, b.geom, coalesce(c.height_m, b.height_m) AS height_m, coalesce(c.levels, b.levels) AS levels,
      coalesce(c.use, b.use) AS use, b.name, b.year_built
    FROM buildings AS b LEFT JOIN (
      SELECT target_id, bool_or(kind = 'demolish_building') AS removed, ${latest('height_m')} AS height_m,
        ${latest('levels')} AS levels, ${latest('use')} AS use
      FROM scenario_edits WHERE scenario_id = ${id}::uuid AND kind IN ('change_building', 'demolish_building')
      GROUP BY target_id) AS c ON c.target_id = b.id
    WHERE c.removed IS NOT TRUE
    UNION ALL
    SELECT ${ADDED_ID_OFFSET}::bigint + e.id, e.geom, e.height_m, e.levels, e.use, e.payload->>'name', NULL::smallint
    FROM scenario_edits AS e WHERE e.scenario_id = ${id}::uuid AND e.kind = 'add_building')`;
}

function roadsSource(id: string): RawBuilder<unknown> {
  return sql`(
    SELECT l.id, l.geom, l.class, l.name, coalesce(c.lanes, l.lanes) AS lanes,
      coalesce(c.speed_limit_kmh, l.speed_limit_kmh) AS speed_limit_kmh,
      coalesce(c.capacity_veh_h, l.capacity_veh_h) AS capacity_veh_h, l.oneway
    FROM road_links AS l LEFT JOIN (
      SELECT target_id, ${latest('closed')} AS closed, ${latest('lanes')} AS lanes,
        ${latest('speed_limit_kmh')} AS speed_limit_kmh, ${latest('capacity_veh_h')} AS capacity_veh_h
      FROM scenario_edits WHERE scenario_id = ${id}::uuid AND kind = 'edit_road'
      GROUP BY target_id) AS c ON c.target_id = l.id
    WHERE c.closed IS NOT TRUE
    UNION ALL
    SELECT ${ADDED_ID_OFFSET}::bigint + e.id, e.geom, coalesce(e.payload->>'class', 'local'), e.payload->>'name',
      e.lanes, e.speed_limit_kmh, e.capacity_veh_h, coalesce((e.payload->>'oneway')::boolean, false)
    FROM scenario_edits AS e WHERE e.scenario_id = ${id}::uuid AND e.kind = 'add_road')`;
}

/** One polygon per edited feature (its latest edit); road lines are buffered to ~5 m wide bands. */
function changesSource(id: string): RawBuilder<unknown> {
  return sql`(
    SELECT DISTINCT ON (feature) e.id AS id, e.id AS edit_id, e.kind, e.change, e.geom FROM (
      SELECT e.id, e.seq, e.kind,
        CASE WHEN e.target_id IS NULL THEN 'e' || e.id
             WHEN e.kind = 'edit_road' THEN 'r' || e.target_id ELSE 'b' || e.target_id END AS feature,
        CASE WHEN e.kind IN ('add_building', 'add_road') THEN 'added'
             WHEN e.kind = 'demolish_building' OR (e.kind = 'edit_road' AND e.closed) THEN 'removed'
             ELSE 'changed' END AS change,
        CASE e.kind WHEN 'add_building' THEN e.geom
                    WHEN 'add_road' THEN ST_Buffer(e.geom, 4)
                    WHEN 'edit_road' THEN ST_Buffer(l.geom, 4)
                    ELSE b.geom END AS geom
      FROM scenario_edits AS e
        LEFT JOIN buildings AS b ON e.kind IN ('change_building', 'demolish_building') AND b.id = e.target_id
        LEFT JOIN road_links AS l ON e.kind = 'edit_road' AND l.id = e.target_id
      WHERE e.scenario_id = ${id}::uuid) AS e
    WHERE e.geom IS NOT NULL
    ORDER BY feature, e.seq DESC)`;
}

/**
 * The FROM source of `layer` in scenario `id`: a subquery for layers scenarios change, undefined
 * (the plain table) for the others.
 */
export function scenarioSource(
  layer: LayerDefinition,
  id: string,
): RawBuilder<unknown> | undefined {
  if (layer === CHANGES_LAYER) return changesSource(id);
  if (layer.table === 'buildings') return buildingsSource(id);
  if (layer.table === 'road_links') return roadsSource(id);
  return undefined;
}
