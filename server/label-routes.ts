import { Hono } from 'hono';
import { sql, type Kysely } from 'kysely';
import type { LabelsResponse, PlaceLabel, StreetLabel } from '../common/api-types';
import type { LayerCatalog } from '../tiles/catalog';
import type { Database } from '../schema/database';
import { z } from 'zod';
import type { LonLatBbox } from '../tiles/bbox';
import { mercatorBbox } from './params';
import { valid } from './validate';
import { canSeeLayer } from './auth/layer-access';
import { principalOf } from './auth/principal';

export interface LabelRoutesOptions {
  db: Kysely<Database>;
  /** Tables come from the catalogue's `roads` and `land_use` layers. */
  catalog: LayerCatalog;
}

/** WGS84 [west, south, east, north]. */
export type BBox = LonLatBbox;

/**
 * `bbox=w,s,e,n&zoom=z`. Latitudes beyond web mercator's limit (a pitched map's bounds reach
 * the horizon) are clamped to it, not refused: a view anywhere on the map has labels, or none,
 * but never an error (issue #10).
 */
const LabelsQuery = z.object({
  bbox: mercatorBbox,
  zoom: z.coerce
    .number({ message: 'zoom must be a number from 0 to 24' })
    .min(0, 'zoom must be a number from 0 to 24')
    .max(24, 'zoom must be a number from 0 to 24')
    .default(15),
});

/** Street classes named at a zoom: only through routes in a citywide view (as the tiles do). */
export function labelledRoadClasses(zoom: number): string[] {
  const major = ['motorway', 'trunk', 'arterial'];
  if (zoom < 13) return major;
  if (zoom < 15) return [...major, 'collector'];
  return [...major, 'collector', 'local', 'service'];
}

const MAX_STREETS = 400;
const MAX_PLACES = 100;

/**
 * `/api/labels`: label points for offline text rendering in the browser (no glyph server).
 *   GET /?bbox=w,s,e,n&zoom=z  →  { streets: [...], places: [...] }
 */
export function labelRoutes({ db, catalog }: LabelRoutesOptions) {
  return new Hono().get('/', valid('query', LabelsQuery), async (c) => {
    const { bbox, zoom } = c.req.valid('query');
    // Labels come only from layers the caller may see (issue #9).
    const p = principalOf(c);
    const visible = (name: string) => {
      const layer = catalog.get(name);
      return layer && canSeeLayer(p, layer) ? layer : undefined;
    };
    const roads = visible('roads');
    const landUse = visible('land_use');
    const [streets, places] = await Promise.all([
      roads ? streetLabels(db, roads.table, bbox, labelledRoadClasses(zoom)) : [],
      landUse ? placeLabels(db, landUse.table, bbox) : [],
    ]);
    const body: LabelsResponse = { streets, places };
    const shared = roads?.access !== 'staff' && landUse?.access !== 'staff';
    c.header('Cache-Control', `${shared ? 'public' : 'private'}, max-age=60`);
    return c.json(body);
  });
}

const envelope = ([w, s, e, n]: BBox) =>
  sql`ST_Transform(ST_MakeEnvelope(${w}::float8, ${s}::float8, ${e}::float8, ${n}::float8, 4326), 3857)`;

const round = (v: number, d = 6) => Math.round(v * 10 ** d) / 10 ** d;

async function streetLabels(
  db: Kysely<Database>,
  table: keyof Database,
  bbox: BBox,
  classes: string[],
): Promise<StreetLabel[]> {
  // One point per name: the midpoint of the longest link of that name whose midpoint is in view.
  const { rows } = await sql<{ name: string; class: string; lon: number; lat: number; az: number }>`
    SELECT name, class, ST_X(p) AS lon, ST_Y(p) AS lat, az FROM (
      SELECT DISTINCT ON (t.name) t.name, t.class,
        ST_Transform(ST_LineInterpolatePoint(t.geom, 0.5), 4326) AS p,
        coalesce(degrees(ST_Azimuth(ST_LineInterpolatePoint(t.geom, 0.45),
                                    ST_LineInterpolatePoint(t.geom, 0.55))), 90) AS az
      FROM ${sql.table(table)} AS t
      WHERE t.geom && ${envelope(bbox)}
        AND t.name IS NOT NULL
        AND t.class IN (${sql.join(classes)})
        AND ST_Intersects(ST_LineInterpolatePoint(t.geom, 0.5), ${envelope(bbox)})
      ORDER BY t.name, ST_Length(t.geom) DESC
    ) AS s
    LIMIT ${MAX_STREETS}::int`.execute(db);
  return rows.map((r) => ({
    name: r.name,
    class: r.class,
    position: [round(Number(r.lon)), round(Number(r.lat))],
    azimuth: round(Number(r.az), 1),
  }));
}

async function placeLabels(
  db: Kysely<Database>,
  table: keyof Database,
  bbox: BBox,
): Promise<PlaceLabel[]> {
  // Areas partly in view are labelled inside the visible part, so a district or river keeps
  // its name on screen at street level.
  const { rows } = await sql<{
    name: string;
    class: string;
    lon: number;
    lat: number;
    area: number;
  }>`
    SELECT name, class, ST_X(p) AS lon, ST_Y(p) AS lat, area FROM (
      SELECT t.name, t.class,
        ST_Transform(CASE WHEN ST_Within(t.geom, ${envelope(bbox)}) THEN ST_PointOnSurface(t.geom)
             ELSE ST_PointOnSurface(ST_Intersection(t.geom, ${envelope(bbox)})) END, 4326) AS p,
        ST_Area(ST_Transform(t.geom, 4326)::geography) AS area
      FROM ${sql.table(table)} AS t
      WHERE t.geom && ${envelope(bbox)} AND t.name IS NOT NULL
        AND ST_Intersects(t.geom, ${envelope(bbox)})
    ) AS s
    WHERE p IS NOT NULL AND NOT ST_IsEmpty(p)
    ORDER BY area DESC
    LIMIT ${MAX_PLACES}::int`.execute(db);
  return rows.map((r) => ({
    name: r.name,
    class: r.class,
    position: [round(Number(r.lon)), round(Number(r.lat))],
    area_m2: Math.round(Number(r.area)),
  }));
}
