import { sql, type Kysely, type RawBuilder } from 'kysely';
import { insertFromJson } from '../schema/column-sql';
import { TABLE_SPECS } from '../schema/columns';
import type { Database } from '../schema/database';
import { DEMO_LAYERS, type DemoLayer, type Position } from './demo-city';

/**
 * One INSERT … SELECT per batch: the rows travel as a single JSON parameter, expanded by
 * `json_to_recordset` (schema/column-sql.ts), and geometry as WKT in EPSG:3857. Works the same
 * on PostgreSQL and PGlite and never splices a value into the SQL text.
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

/** One INSERT … SELECT per batch of a layer, generated from the table's column spec. */
export const INSERTS: Record<DemoLayer, InsertBatch> = Object.fromEntries(
  DEMO_LAYERS.map((layer) => [
    layer,
    (json: string, ds: string) => insertFromJson(TABLE_SPECS[layer], json, ds),
  ]),
) as Record<DemoLayer, InsertBatch>;

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
