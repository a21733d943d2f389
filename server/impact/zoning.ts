import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';

/** A building whose height the scenario sets: an added one (by edit) or a changed one. */
export interface ZoningSubject {
  editId: string;
  buildingId: string | null;
  heightM: number;
  source: 'edit' | 'building';
}

/**
 * Flags scenario heights above the `max_height_m` of any land-use zone the footprint overlaps
 * (more than 1 % of the footprint, so a footprint touching a zone's edge is not judged by it).
 */
export async function zoningCheck(db: Kysely<Database>, scenarioId: string, subjects: readonly ZoningSubject[]) {
  if (subjects.length === 0) return { checked: 0, flagged: [] };
  const json = JSON.stringify(subjects.map((s) => ({ edit: s.editId, building: s.buildingId, height: s.heightM, source: s.source })));
  const { rows } = await sql<{ edit: string; building: string | null; height: number; zone_id: string; zone_class: string; zone_name: string | null; max_height_m: number }>`
    WITH subj AS (
      SELECT r.edit, r.building, r.height,
        CASE WHEN r.source = 'edit'
          THEN (SELECT e.geom FROM scenario_edits e WHERE e.id = r.edit::bigint AND e.scenario_id = ${scenarioId}::uuid)
          ELSE (SELECT b.geom FROM buildings b WHERE b.id = r.building::bigint) END AS geom
      FROM jsonb_to_recordset(${json}::text::jsonb) AS r(edit text, building text, height float8, source text))
    SELECT subj.edit, subj.building, subj.height, lu.id::text AS zone_id, lu.class AS zone_class,
      lu.name AS zone_name, lu.max_height_m
    FROM subj JOIN land_use lu ON lu.geom && subj.geom AND ST_Intersects(lu.geom, subj.geom)
    WHERE lu.max_height_m IS NOT NULL AND subj.height > lu.max_height_m
      AND ST_Area(ST_Intersection(lu.geom, subj.geom)) > 0.01 * ST_Area(subj.geom)
    ORDER BY subj.edit, lu.max_height_m`.execute(db);
  return {
    checked: subjects.length,
    flagged: rows.map((r) => ({
      edit_id: r.edit,
      building_id: r.building,
      height_m: Math.round(Number(r.height) * 10) / 10,
      max_height_m: Number(r.max_height_m),
      excess_m: Math.round((Number(r.height) - Number(r.max_height_m)) * 10) / 10,
      zone_id: r.zone_id,
      zone_class: r.zone_class,
      zone_name: r.zone_name,
    })),
  };
}
