import { sql, type Kysely, type RawBuilder } from 'kysely';
import { BUILDINGS, nullOf, ROAD_LINKS, type TableSpec } from '../schema/columns';
import type { Database, ScenarioEditKind, ScenarioEditsTable } from '../schema/database';
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

/** The columns of `scenario_edits` that override a baseline column of the same name. */
const EDITED = ['height_m', 'levels', 'use', 'lanes', 'speed_limit_kmh', 'capacity_veh_h'] as const;
type Edited = (typeof EDITED)[number] & keyof ScenarioEditsTable;
const isEdited = (name: string): name is Edited => (EDITED as readonly string[]).includes(name);

/** How a scenario changes one layer's table: which edits, and what an added feature holds. */
interface Overlay {
  spec: TableSpec;
  /** Edit kinds that change or remove baseline rows. */
  changes: ScenarioEditKind[];
  /** Per target, true when its latest edits remove it. */
  removed: RawBuilder<unknown>;
  /** The edit kind that adds a feature. */
  adds: ScenarioEditKind;
  /** An added feature's value of a column `scenario_edits` lacks (else its payload's, or NULL). */
  added?: Record<string, RawBuilder<unknown>>;
}

const BUILDINGS_OVERLAY: Overlay = {
  spec: BUILDINGS,
  changes: ['change_building', 'demolish_building'],
  removed: sql`bool_or(kind = 'demolish_building')`,
  adds: 'add_building',
};

const ROADS_OVERLAY: Overlay = {
  spec: ROAD_LINKS,
  changes: ['edit_road'],
  removed: latest('closed'),
  adds: 'add_road',
  added: { class: sql`coalesce(e.payload->>'class', 'local')` },
};

/**
 * Baseline rows with the scenario's edits applied (removed ones left out), then the features it
 * adds: the columns the tile query reads (id, geom and the layer's attributes), each in the
 * type the table's column spec gives it, so the UNION lines up.
 */
function overlaySource(layer: LayerDefinition, o: Overlay, id: string): RawBuilder<unknown> {
  const names = ['id', 'geom', ...Object.keys(layer.attributes)];
  const edited = names.filter(isEdited);
  const baseline = names.map((n) =>
    isEdited(n)
      ? sql`coalesce(${sql.ref(`c.${n}`)}, ${sql.ref(`b.${n}`)}) AS ${sql.id(n)}`
      : sql.ref(`b.${n}`),
  );
  const added = names.map((n) => {
    const spec = o.spec.columns[n];
    if (n === 'id') return sql`${ADDED_ID_OFFSET}::bigint + e.id`;
    if (n === 'geom' || isEdited(n)) return sql.ref(`e.${n}`);
    const given = o.added?.[n];
    if (given) return given;
    if (spec?.type === 'text' || spec?.type === 'boolean') {
      const value = sql`(e.payload->>${sql.lit(n)})::${sql.raw(spec.type)}`;
      return spec.default === undefined
        ? value
        : sql`coalesce(${value}, ${sql.lit(spec.default)}::${sql.raw(spec.type)})`;
    }
    return nullOf(spec?.type ?? 'text');
  });
  return sql`(
    SELECT ${sql.join(baseline)}
    FROM ${sql.table(o.spec.table)} AS b LEFT JOIN (
      SELECT target_id, ${o.removed} AS removed${sql.join(
        edited.map((n) => sql`, ${latest(n)} AS ${sql.id(n)}`),
        sql``,
      )}
      FROM scenario_edits WHERE scenario_id = ${id}::uuid AND kind IN (${sql.join(o.changes)})
      GROUP BY target_id) AS c ON c.target_id = b.id
    WHERE c.removed IS NOT TRUE
    UNION ALL
    SELECT ${sql.join(added)}
    FROM scenario_edits AS e WHERE e.scenario_id = ${id}::uuid AND e.kind = ${o.adds})`;
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
  if (layer.table === 'buildings') return overlaySource(layer, BUILDINGS_OVERLAY, id);
  if (layer.table === 'road_links') return overlaySource(layer, ROADS_OVERLAY, id);
  return undefined;
}
