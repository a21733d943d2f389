import { sql, type Kysely } from 'kysely';
import type { Database } from '../../schema/database';
import type { StudyDay } from './shadow';
import { loadEdits, type EditRow } from './scenario-state';

/**
 * Buildings and parks around the scenario's new or raised buildings, loaded by the main thread
 * as GeoJSON in EPSG:3857 for the shadow model (models/shadow-impact.ts).
 */
export interface ShadowContext {
  buildings: { id: string; name: string | null; height: number; geojson: string }[];
  parks: { id: string; name: string | null; geojson: string }[];
}

/** Neighbours and parks within this many metres of a new or raised building are studied. */
export const STUDY_RADIUS_M = 600;
/** Existing buildings this far beyond the study radius are counted as obstructions. */
export const OBSTRUCTION_MARGIN_M = 300;

/** A land-use zone with a height limit that a scenario footprint overlaps (> 1 % of its area). */
export interface ZoningCandidate {
  edit_id: string;
  zone_id: string;
  zone_class: string;
  zone_name: string | null;
  max_height_m: number;
}

/** What the main thread reads from the database for one impact; the worker computes from it alone. */
export interface ScenarioInputs {
  scenario: { id: string; name: string; version: number };
  edits: EditRow[];
  shadow: ShadowContext;
  zoning: ZoningCandidate[];
  shadowDays?: StudyDay[];
}

/**
 * Reads a scenario's edits, the buildings and parks around its added or changed buildings (for
 * the shadow study; raw GeoJSON, parsed in the worker) and the height-limited zones their
 * footprints overlap. Small, indexed queries: the heavy work happens in the worker.
 */
export async function loadScenarioInputs(
  db: Kysely<Database>,
  scenario: { id: string; name: string; version: number },
): Promise<ScenarioInputs> {
  const edits = await loadEdits(db, scenario.id);
  const subjects = edits.filter((e) => e.kind === 'add_building' || e.kind === 'change_building');
  const empty: ScenarioInputs = {
    scenario,
    edits,
    shadow: { buildings: [], parks: [] },
    zoning: [],
  };
  if (subjects.length === 0) return empty;
  const ids = JSON.stringify(subjects.map((e) => e.id));
  // The subjects' footprints: added geometry, or the changed building's.
  const footprints = sql`
    SELECT e.id, coalesce(e.geom, b.geom) AS geom
    FROM scenario_edits e LEFT JOIN buildings b ON e.kind = 'change_building' AND b.id = e.target_id
    WHERE e.scenario_id = ${scenario.id}::uuid
      AND e.id IN (SELECT jsonb_array_elements_text(${ids}::text::jsonb)::bigint)`;
  const { rows: zoning } = await sql<ZoningCandidate>`
    WITH subj AS (${footprints})
    SELECT subj.id::text AS edit_id, lu.id::text AS zone_id, lu.class AS zone_class, lu.name AS zone_name,
      lu.max_height_m::float8 AS max_height_m
    FROM subj JOIN land_use lu ON lu.geom && subj.geom AND ST_Intersects(lu.geom, subj.geom)
    WHERE lu.max_height_m IS NOT NULL
      AND ST_Area(ST_Intersection(lu.geom, subj.geom)) > 0.01 * ST_Area(subj.geom)`.execute(db);
  // Study area: the subjects' extent grown by the study radius plus the obstruction margin, in
  // mercator units (ground metres ÷ cos latitude).
  const reach = STUDY_RADIUS_M + OBSTRUCTION_MARGIN_M;
  const area = sql`(SELECT ST_Expand(ST_SetSRID(ST_Extent(geom)::geometry, 3857),
      ${reach}::float8 / cos(radians(ST_Y(ST_Transform(ST_SetSRID(ST_Centroid(ST_Extent(geom)::geometry), 3857), 4326)))))
    FROM (${footprints}) f)`;
  const [buildings, parks] = await Promise.all([
    sql<{ id: string; name: string | null; height: number; geojson: string }>`
      SELECT b.id::text AS id, b.name, b.height_m::float8 AS height, ST_AsGeoJSON(b.geom, 2) AS geojson
      FROM buildings b WHERE b.geom && ${area}`.execute(db),
    sql<{ id: string; name: string | null; geojson: string }>`
      SELECT id, name, ST_AsGeoJSON(g, 2) AS geojson FROM (
        SELECT lu.id::text AS id, lu.name, ST_CollectionExtract(ST_Intersection(lu.geom, ${area}), 3) AS g
        FROM land_use lu WHERE lu.class IN ('park', 'forest') AND lu.geom && ${area}) q
      WHERE NOT ST_IsEmpty(g)`.execute(db),
  ]);
  return {
    scenario,
    edits,
    shadow: {
      buildings: buildings.rows.map((b) => ({ ...b, height: Number(b.height) })),
      parks: parks.rows,
    },
    zoning: zoning.map((z) => ({ ...z, max_height_m: Number(z.max_height_m) })),
  };
}
