import type { Feature, Geometry } from 'geojson';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { LayerDefinition } from '../../tiles/catalog';
import type { Database } from '../../schema/database';
import { coordinateDigits, type OgcCrs } from './ogc-crs';
import type { Bbox, ItemsQuery } from './ogc-params';
import { clampLatitude } from '../../tiles/bbox';

/** The attribute holding a feature's time, per layer: a year (the twin's only time on features). */
export const temporalProperty = (layer: LayerDefinition): string | null =>
  'year_built' in layer.attributes ? 'year_built' : null;

/** Properties of a feature besides the catalogue's attributes: its provenance and source fields. */
const PROVENANCE = ['source_id', 'dataset_id', 'attributes'] as const;

/** Output property names in order: the catalogue's attributes, then provenance. */
export const propertyNames = (layer: LayerDefinition): string[] => [
  ...Object.keys(layer.attributes),
  ...PROVENANCE,
];

interface Row {
  id: string;
  p: Record<string, unknown> | string;
  g: string | null;
}

/** The geometry in the output CRS as GeoJSON text; EPSG:4326 and 4258 swap to latitude first. */
function geometrySql(crs: OgcCrs): RawBuilder<string> {
  const g = crs.srid === 3857 ? sql`t.geom` : sql`ST_Transform(t.geom, ${sql.lit(crs.srid)})`;
  const ordered = crs.latFirst ? sql`ST_FlipCoordinates(${g})` : g;
  return sql<string>`ST_AsGeoJSON(${ordered}, ${sql.lit(coordinateDigits(crs))})`;
}

/** The bbox as EPSG:3857 envelopes (two when a geographic bbox crosses the antimeridian). */
function bboxSql(b: Bbox): RawBuilder<boolean> {
  const boxes: [number, number, number, number][] =
    b.crs.geographic && b.minX > b.maxX
      ? [
          [b.minX, b.minY, 180, b.maxY],
          [-180, b.minY, b.maxX, b.maxY],
        ]
      : [[b.minX, b.minY, b.maxX, b.maxY]];
  // Geographic envelopes are kept inside web mercator's latitudes, where EPSG:3857 is defined.
  const clamp = (lat: number) => (b.crs.geographic ? clampLatitude(lat) : lat);
  const parts = boxes.map(([x1, y1, x2, y2]) => {
    const env = sql`ST_MakeEnvelope(${x1}::float8, ${clamp(y1)}::float8, ${x2}::float8, ${clamp(y2)}::float8, ${sql.lit(b.crs.srid)})`;
    // Edges densified before the transform, so a projected edge stays close to the true one.
    const merc =
      b.crs.srid === 3857
        ? env
        : sql`ST_Transform(ST_Segmentize(${env}, ${Math.max(x2 - x1, y2 - y1) / 64 || 1}::float8), 3857)`;
    return sql`ST_Intersects(t.geom, ${merc})`;
  });
  return sql<boolean>`(${sql.join(parts, sql` OR `)})`;
}

/** The WHERE clause of an items request; column names come from the catalogue only. */
function whereSql(layer: LayerDefinition, q: ItemsQuery): RawBuilder<boolean> {
  const conds: RawBuilder<unknown>[] = [sql`t.geom IS NOT NULL`];
  if (q.bbox) conds.push(bboxSql(q.bbox));
  for (const f of q.filters) conds.push(sql`${sql.ref(`t.${f.name}`)} = ${f.value}`);
  const time = temporalProperty(layer);
  if (q.datetime && time) {
    // A feature without a time has none to intersect the interval (Part 1 /req/core/fc-time-response).
    conds.push(sql`${sql.ref(`t.${time}`)} IS NOT NULL`);
    if (q.datetime.from !== null) conds.push(sql`${sql.ref(`t.${time}`)} >= ${q.datetime.from}`);
    if (q.datetime.to !== null) conds.push(sql`${sql.ref(`t.${time}`)} <= ${q.datetime.to}`);
  }
  return sql<boolean>`${sql.join(conds, sql` AND `)}`;
}

function toFeature(layer: LayerDefinition, r: Row): Feature {
  const p = typeof r.p === 'string' ? (JSON.parse(r.p) as Record<string, unknown>) : r.p;
  const properties: Record<string, unknown> = {};
  // jsonb orders its keys; the catalogue's order is the collection's.
  for (const name of propertyNames(layer)) properties[name] = p[name] ?? null;
  if (typeof properties.dataset_id === 'string')
    properties.dataset_id = Number(properties.dataset_id);
  return {
    type: 'Feature',
    id: Number(r.id),
    geometry: r.g ? (JSON.parse(r.g) as Geometry) : (null as unknown as Geometry),
    properties,
  };
}

function selectSql(layer: LayerDefinition, crs: OgcCrs): RawBuilder<Row> {
  const props = sql.join(
    propertyNames(layer).map((name) => sql`${sql.lit(name)}, ${sql.ref(`t.${name}`)}`),
  );
  return sql<Row>`SELECT t.id::text AS id, jsonb_build_object(${props}) AS p, ${geometrySql(crs)} AS g FROM ${sql.table(layer.table)} AS t`;
}

/** One page of an items request, in id order, and how many features match in all. */
export async function queryItems(
  db: Kysely<Database>,
  layer: LayerDefinition,
  q: ItemsQuery,
): Promise<{ matched: number; features: Feature[] }> {
  const where = whereSql(layer, q);
  const [count, page] = await Promise.all([
    sql<{
      n: string;
    }>`SELECT count(*)::text AS n FROM ${sql.table(layer.table)} AS t WHERE ${where}`.execute(db),
    sql<Row>`${selectSql(layer, q.crs)} WHERE ${where} ORDER BY t.id LIMIT ${q.limit} OFFSET ${q.offset}`.execute(
      db,
    ),
  ]);
  return { matched: Number(count.rows[0]!.n), features: page.rows.map((r) => toFeature(layer, r)) };
}

/** One feature by id, or undefined. */
export async function queryItem(
  db: Kysely<Database>,
  layer: LayerDefinition,
  id: string,
  crs: OgcCrs,
): Promise<Feature | undefined> {
  const { rows } = await sql<Row>`${selectSql(layer, crs)} WHERE t.id = ${id}::bigint`.execute(db);
  return rows[0] ? toFeature(layer, rows[0]) : undefined;
}

export interface LayerExtent {
  /** CRS84 west, south, east, north; null for an empty layer. */
  bbox: [number, number, number, number] | null;
  /** First and last year of the layer's temporal property; null when it has none. */
  years: [number, number] | null;
}

/** Extents of layers, recomputed only when a layer's version changes. */
export class ExtentCache {
  readonly #cache = new Map<string, { version: string; extent: LayerExtent }>();
  constructor(private readonly db: Kysely<Database>) {}

  async get(layer: LayerDefinition, version: string): Promise<LayerExtent> {
    const hit = this.#cache.get(layer.name);
    if (hit && hit.version === version) return hit.extent;
    const time = temporalProperty(layer);
    const years = time
      ? sql`min(${sql.ref(time)}) AS y0, max(${sql.ref(time)}) AS y1`
      : sql`NULL::int AS y0, NULL::int AS y1`;
    const { rows } = await sql<{
      xmin: number | null;
      ymin: number;
      xmax: number;
      ymax: number;
      y0: number | null;
      y1: number | null;
    }>`
      SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax, y0, y1
      FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(geom)::geometry, 3857), 4326) AS e, ${years}
            FROM ${sql.table(layer.table)}) AS s`.execute(this.db);
    const r = rows[0];
    const round = (v: number) => Math.round(v * 1e6) / 1e6;
    const extent: LayerExtent = {
      bbox:
        r && r.xmin !== null ? [round(r.xmin), round(r.ymin), round(r.xmax), round(r.ymax)] : null,
      years: r && r.y0 !== null && r.y1 !== null ? [Number(r.y0), Number(r.y1)] : null,
    };
    this.#cache.set(layer.name, { version, extent });
    return extent;
  }
}
