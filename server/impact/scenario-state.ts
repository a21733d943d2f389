import { sql, type Kysely, type Selectable } from 'kysely';
import type { BuildingUse } from '../../common/city-classes';
import type { Database, ScenarioEditsTable } from '../../schema/database';

/** One stored edit (its `scenario_edits` columns) with what the impact engine needs of its geometry (EPSG:3857). */
export interface EditRow extends Pick<
  Selectable<ScenarioEditsTable>,
  | 'id'
  | 'seq'
  | 'kind'
  | 'payload'
  | 'target_id'
  | 'height_m'
  | 'levels'
  | 'use'
  | 'closed'
  | 'lanes'
  | 'speed_limit_kmh'
  | 'capacity_veh_h'
> {
  /** Ground area of an added footprint, m². */
  area_m2: number | null;
  /** Centroid of an added building, start/end of an added road. */
  x: number | null;
  y: number | null;
  x2: number | null;
  y2: number | null;
  length_m: number | null;
  /** GeoJSON (EPSG:3857) of the added geometry, or of the target building. */
  shape: string | null;
}

export async function loadEdits(db: Kysely<Database>, scenarioId: string): Promise<EditRow[]> {
  const { rows } = await sql<EditRow>`
    SELECT e.id::text AS id, e.seq, e.kind, e.payload, e.target_id::text AS target_id, e.height_m,
      e.levels, e.use, e.closed, e.lanes, e.speed_limit_kmh, e.capacity_veh_h,
      CASE WHEN e.kind = 'add_building' THEN ST_Area(ST_Transform(e.geom, 4326)::geography) END AS area_m2,
      CASE WHEN e.kind = 'add_building' THEN ST_X(ST_Centroid(e.geom))
           WHEN e.kind = 'add_road' THEN ST_X(ST_StartPoint(e.geom)) END AS x,
      CASE WHEN e.kind = 'add_building' THEN ST_Y(ST_Centroid(e.geom))
           WHEN e.kind = 'add_road' THEN ST_Y(ST_StartPoint(e.geom)) END AS y,
      CASE WHEN e.kind = 'add_road' THEN ST_X(ST_EndPoint(e.geom)) END AS x2,
      CASE WHEN e.kind = 'add_road' THEN ST_Y(ST_EndPoint(e.geom)) END AS y2,
      CASE WHEN e.kind = 'add_road' THEN ST_Length(ST_Transform(e.geom, 4326)::geography) END AS length_m,
      CASE WHEN e.kind = 'add_building' THEN ST_AsGeoJSON(e.geom)
           WHEN e.kind = 'change_building' THEN (SELECT ST_AsGeoJSON(b.geom) FROM buildings b WHERE b.id = e.target_id)
      END AS shape
    FROM scenario_edits e WHERE e.scenario_id = ${scenarioId}::uuid ORDER BY e.seq`.execute(db);
  return rows.map((r) => ({
    ...r,
    payload: typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload,
    area_m2: r.area_m2 === null ? null : Number(r.area_m2),
    x: r.x === null ? null : Number(r.x),
    y: r.y === null ? null : Number(r.y),
    x2: r.x2 === null ? null : Number(r.x2),
    y2: r.y2 === null ? null : Number(r.y2),
    length_m: r.length_m === null ? null : Number(r.length_m),
  }));
}

/** A baseline building's state after the scenario's edits. */
export interface BuildingChange {
  buildingId: string;
  removed: boolean;
  floors: number | null;
  heightM: number | null;
  use: BuildingUse | null;
  uses: Record<string, number> | null;
  /** The last edit touching it. */
  editId: string;
  shape: string | null;
}

export interface RoadEditState {
  linkId: string;
  closed?: boolean;
  lanes?: number;
  speedKmh?: number;
  capacityVehH?: number;
  editId: string;
}

/** Folds the edits in seq order: later edits of the same feature override earlier fields. */
export function foldEdits(edits: readonly EditRow[]) {
  const buildings = new Map<string, BuildingChange>();
  const roads = new Map<string, RoadEditState>();
  const added: EditRow[] = [];
  const addedRoads: EditRow[] = [];
  for (const e of edits) {
    if (e.kind === 'add_building') added.push(e);
    else if (e.kind === 'add_road') addedRoads.push(e);
    else if (e.kind === 'change_building' || e.kind === 'demolish_building') {
      const id = e.target_id!;
      const prev = buildings.get(id) ?? {
        buildingId: id,
        removed: false,
        floors: null,
        heightM: null,
        use: null,
        uses: null,
        editId: e.id,
        shape: null,
      };
      if (e.kind === 'demolish_building') prev.removed = true;
      else {
        const p = e.payload as {
          floors?: number;
          height_m?: number;
          use?: BuildingUse;
          uses?: Record<string, number>;
        };
        if (p.floors !== undefined) [prev.floors, prev.heightM] = [p.floors, null];
        if (p.height_m !== undefined) [prev.heightM, prev.floors] = [p.height_m, null];
        if (p.use !== undefined) [prev.use, prev.uses] = [p.use, null];
        if (p.uses !== undefined) [prev.uses, prev.use] = [p.uses, null];
        prev.shape = e.shape;
      }
      prev.editId = e.id;
      buildings.set(id, prev);
    } else if (e.kind === 'edit_road') {
      const id = e.target_id!;
      const prev = roads.get(id) ?? { linkId: id, editId: e.id };
      if (e.closed !== null) prev.closed = e.closed;
      if (e.lanes !== null) prev.lanes = e.lanes;
      if (e.speed_limit_kmh !== null) prev.speedKmh = e.speed_limit_kmh;
      if (e.capacity_veh_h !== null) prev.capacityVehH = e.capacity_veh_h;
      prev.editId = e.id;
      roads.set(id, prev);
    }
  }
  return { buildings, roads, added, addedRoads };
}
