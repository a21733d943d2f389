import { sql, type RawBuilder } from 'kysely';
import { TILE_BUFFER, TILE_EXTENT, type LayerDefinition } from './catalog';
import { tileBounds, tileSpan, type TileCoord } from './tile-coords';

/**
 * SQL for one layer of one tile. Every request value (z, x, y, limits) is a bound parameter;
 * table and column names come from the catalogue only, through `sql.table` / `sql.ref`.
 */

const MARGIN = TILE_BUFFER / TILE_EXTENT;

function envelope({ z, x, y }: TileCoord, margin?: number): RawBuilder<unknown> {
  return margin === undefined
    ? sql`ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int)`
    : sql`ST_TileEnvelope(${z}::int, ${x}::int, ${y}::int, margin => ${margin}::float8)`;
}

function attributeColumns(layer: LayerDefinition): RawBuilder<unknown>[] {
  return Object.entries(layer.attributes).map(([name, def]) => {
    const col = sql.ref(`t.${name}`);
    const value =
      def.type === 'float'
        ? sql`round(${col}::numeric, ${sql.lit(def.decimals ?? 2)})::float8`
        : def.type === 'int'
          ? sql`${col}::int4`
          : def.format === 'date'
            ? sql`to_char(${col}, 'YYYY-MM-DD')`
            : def.format === 'date-time'
              ? sql`to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
              : col;
    return sql`${value} AS ${sql.id(name)}`;
  });
}

/** The layer's geometry, simplified by zoom as the catalogue says. */
function sourceGeometry(layer: LayerDefinition, z: number): RawBuilder<unknown> {
  const s = layer.simplify;
  if (!s || z >= s.belowZoom) return sql`t.geom`;
  const tolerance = (s.pixels * tileSpan(z)) / TILE_EXTENT;
  return sql`ST_SimplifyPreserveTopology(t.geom, ${tolerance}::float8)`;
}

function whereClause(layer: LayerDefinition, coord: TileCoord): RawBuilder<unknown> {
  const filter = layer.filter?.(coord.z);
  const bbox = sql`t.geom && ${envelope(coord, MARGIN)}`;
  return filter ? sql`${bbox} AND (${filter})` : bbox;
}

/**
 * One bytea: the layer encoded by ST_AsMVT (PostGIS with protobuf). `source` replaces the layer's table with a subquery of the same columns (scenario tiles,
 * tiles/scenario-sql.ts); by default the catalogue's table.
 */
export function mvtLayerSql(
  layer: LayerDefinition,
  coord: TileCoord,
  limit: number,
  source?: RawBuilder<unknown>,
) {
  return sql<{ mvt: Uint8Array | null }>`
    SELECT ST_AsMVT(q, ${layer.name}::text, ${TILE_EXTENT}::int, 'geom', 'id') AS mvt FROM (
      SELECT t.id, ${sql.join(attributeColumns(layer))},
        ST_AsMVTGeom(${sourceGeometry(layer, coord.z)}, ${envelope(coord)},
          ${TILE_EXTENT}::int, ${TILE_BUFFER}::int, true) AS geom
      FROM ${source ?? sql.table(layer.table)} AS t
      WHERE ${whereClause(layer, coord)}
      LIMIT ${limit}::int
    ) AS q WHERE q.geom IS NOT NULL`;
}

export interface FeatureRow {
  id: string | number | bigint;
  wkb: Uint8Array | null;
  [attribute: string]: unknown;
}

/**
 * Rows with WKB already in tile space, for encoding in JavaScript. As ST_AsMVTGeom does:
 * transform to the tile's 4096 grid (y down), snap to integers, then clip to the buffered tile
 * in tile units, so both encoders cut lines and polygons at the same places.
 */
export function featureRowsSql(
  layer: LayerDefinition,
  coord: TileCoord,
  limit: number,
  source?: RawBuilder<unknown>,
) {
  const b = tileBounds(coord);
  const sx = TILE_EXTENT / (b.maxX - b.minX);
  const sy = TILE_EXTENT / (b.maxY - b.minY);
  const inTileSpace = sql`ST_SnapToGrid(ST_Affine(${sourceGeometry(layer, coord.z)},
    ${sx}::float8, 0, 0, ${-sy}::float8, ${-b.minX * sx}::float8, ${b.maxY * sy}::float8), 1)`;
  const clipped =
    layer.geometry === 'point'
      ? inTileSpace
      : sql`ST_ClipByBox2D(${inTileSpace}, ST_MakeEnvelope(${-TILE_BUFFER}, ${-TILE_BUFFER},
          ${TILE_EXTENT + TILE_BUFFER}, ${TILE_EXTENT + TILE_BUFFER}))`;
  return sql<FeatureRow>`
    SELECT t.id, ${sql.join(attributeColumns(layer))}, ST_AsBinary(${clipped}) AS wkb
    FROM ${source ?? sql.table(layer.table)} AS t
    WHERE ${whereClause(layer, coord)}
    LIMIT ${limit}::int`;
}
