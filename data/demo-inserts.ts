import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../schema/database';
import type { DemoLayer, Position } from './demo-city';

/**
 * One INSERT … SELECT per batch: the rows travel as a single JSON parameter, expanded by
 * `json_to_recordset`, and geometry as WKT in EPSG:3857. Works the same on PostgreSQL and
 * PGlite and never splices a value into the SQL text. The parameter is typed `text` first:
 * postgres.js would JSON-encode a string bound to a `json` parameter a second time.
 */
type InsertBatch = (json: string, datasetId: string) => RawBuilder<unknown>;

const xy = ([x, y]: Position) => `${x} ${y}`;
const ring = (points: Position[]) => `(${points.map(xy).join(',')})`;
export const pointWkt = (p: Position) => `POINT(${xy(p)})`;
export const lineWkt = (points: Position[]) => `LINESTRING${ring(points)}`;
export const multiPolygonWkt = (polygons: Position[][][]) =>
  `MULTIPOLYGON(${polygons.map((rings) => `(${rings.map(ring).join(',')})`).join(',')})`;

/** Ids of each layer shifted by the table's current max id (0 when empty). */
export type IdOffsets = Record<DemoLayer, number>;

/** The node table each edge layer's `from_node`/`to_node` refer to. */
const NODES: Partial<Record<DemoLayer, DemoLayer>> = {
  road_links: 'road_nodes',
  water_pipes: 'water_nodes',
  power_lines: 'power_nodes',
};

/** Turns one feature into its JSON row: geometry as WKT, ids shifted by the offsets. */
export function toRow(layer: DemoLayer, feature: { id: number; geom: unknown }, off: IdOffsets) {
  const { geom, ...columns } = feature as { id: number; geom: unknown } & Record<string, unknown>;
  const row: Record<string, unknown> = { ...columns, id: feature.id + off[layer] };
  const nodes = NODES[layer];
  if (nodes) {
    row.from_node = (columns.from_node as number) + off[nodes];
    row.to_node = (columns.to_node as number) + off[nodes];
  }
  row.wkt =
    layer === 'land_use' || layer === 'buildings'
      ? multiPolygonWkt(geom as Position[][][])
      : Array.isArray((geom as unknown[])[0])
        ? lineWkt(geom as Position[])
        : pointWkt(geom as Position);
  return row;
}

export const INSERTS: Record<DemoLayer, InsertBatch> = {
  land_use: (json, ds) => sql`
    INSERT INTO land_use (id, geom, class, name, max_height_m, dataset_id, attributes)
    SELECT r.id, ST_Multi(ST_GeomFromText(r.wkt, 3857)), r.class, r.name, r.max_height_m,
      ${ds}::bigint, r.attributes
    FROM json_to_recordset(${json}::text::json)
      AS r(id bigint, wkt text, class text, name text, max_height_m real, attributes jsonb)`,
  road_nodes: (json, ds) => sql`
    INSERT INTO road_nodes (id, geom, dataset_id, attributes)
    SELECT r.id, ST_GeomFromText(r.wkt, 3857), ${ds}::bigint, r.attributes
    FROM json_to_recordset(${json}::text::json) AS r(id bigint, wkt text, attributes jsonb)`,
  road_links: (json, ds) => sql`
    INSERT INTO road_links (id, from_node, to_node, geom, class, name, lanes, speed_limit_kmh,
      capacity_veh_h, oneway, length_m, dataset_id, attributes)
    SELECT r.id, r.from_node, r.to_node, ST_GeomFromText(r.wkt, 3857), r.class, r.name, r.lanes,
      r.speed_limit_kmh, r.capacity_veh_h, r.oneway, r.length_m, ${ds}::bigint, r.attributes
    FROM json_to_recordset(${json}::text::json) AS r(id bigint, from_node bigint, to_node bigint,
      wkt text, class text, name text, lanes smallint, speed_limit_kmh real, capacity_veh_h real,
      oneway boolean, length_m real, attributes jsonb)`,
  buildings: (json, ds) => sql`
    INSERT INTO buildings (id, geom, height_m, levels, use, name, year_built, dataset_id,
      attributes)
    SELECT r.id, ST_Multi(ST_GeomFromText(r.wkt, 3857)), r.height_m, r.levels, r.use, r.name,
      r.year_built, ${ds}::bigint, r.attributes
    FROM json_to_recordset(${json}::text::json) AS r(id bigint, wkt text, height_m real,
      levels smallint, use text, name text, year_built smallint, attributes jsonb)`,
  water_nodes: (json, ds) => sql`
    INSERT INTO water_nodes (id, geom, kind, name, elevation_m, capacity_m3, dataset_id,
      attributes)
    SELECT r.id, ST_GeomFromText(r.wkt, 3857), r.kind, r.name, r.elevation_m, r.capacity_m3,
      ${ds}::bigint, r.attributes
    FROM json_to_recordset(${json}::text::json) AS r(id bigint, wkt text, kind text, name text,
      elevation_m real, capacity_m3 real, attributes jsonb)`,
  water_pipes: (json, ds) => sql`
    INSERT INTO water_pipes (id, from_node, to_node, geom, diameter_mm, material, capacity_l_s,
      length_m, dataset_id, attributes)
    SELECT r.id, r.from_node, r.to_node, ST_GeomFromText(r.wkt, 3857), r.diameter_mm,
      r.material, r.capacity_l_s, r.length_m, ${ds}::bigint, r.attributes
    FROM json_to_recordset(${json}::text::json) AS r(id bigint, from_node bigint, to_node bigint,
      wkt text, diameter_mm real, material text, capacity_l_s real, length_m real,
      attributes jsonb)`,
  power_nodes: (json, ds) => sql`
    INSERT INTO power_nodes (id, geom, kind, name, voltage_kv, capacity_kva, dataset_id,
      attributes)
    SELECT r.id, ST_GeomFromText(r.wkt, 3857), r.kind, r.name, r.voltage_kv, r.capacity_kva,
      ${ds}::bigint, r.attributes
    FROM json_to_recordset(${json}::text::json) AS r(id bigint, wkt text, kind text, name text,
      voltage_kv real, capacity_kva real, attributes jsonb)`,
  power_lines: (json, ds) => sql`
    INSERT INTO power_lines (id, from_node, to_node, geom, voltage_kv, capacity_kva, length_m,
      name, dataset_id, attributes)
    SELECT r.id, r.from_node, r.to_node, ST_GeomFromText(r.wkt, 3857), r.voltage_kv,
      r.capacity_kva, r.length_m, r.name, ${ds}::bigint, r.attributes
    FROM json_to_recordset(${json}::text::json) AS r(id bigint, from_node bigint, to_node bigint,
      wkt text, voltage_kv real, capacity_kva real, length_m real, name text,
      attributes jsonb)`,
};

/** Current max id of every layer's table, for appending to a database that has data. */
export async function idOffsets(db: Kysely<Database>): Promise<IdOffsets> {
  const { rows } = await sql<Record<DemoLayer, string>>`
    SELECT
      (SELECT coalesce(max(id), 0) FROM land_use) AS land_use,
      (SELECT coalesce(max(id), 0) FROM road_nodes) AS road_nodes,
      (SELECT coalesce(max(id), 0) FROM road_links) AS road_links,
      (SELECT coalesce(max(id), 0) FROM buildings) AS buildings,
      (SELECT coalesce(max(id), 0) FROM water_nodes) AS water_nodes,
      (SELECT coalesce(max(id), 0) FROM water_pipes) AS water_pipes,
      (SELECT coalesce(max(id), 0) FROM power_nodes) AS power_nodes,
      (SELECT coalesce(max(id), 0) FROM power_lines) AS power_lines`.execute(db);
  const row = rows[0]!;
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as IdOffsets;
}
