import { Hono } from 'hono';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { ShadowsResponse } from '../../common/api-types';
import type { Database } from '../../schema/database';
import { shadowOffset, sunPosition } from '../impact/shadow';
import { mercatorBbox, time } from '../params';
import { clampLatitude } from '../../tiles/bbox';
import { valid } from '../validate';
import type { LayerCatalog } from '../../tiles/catalog';
import { assertLayersVisible } from '../auth/layer-access';
import { principalOf } from '../auth/principal';

/** The bbox is projected to EPSG:3857: clamped to web mercator's latitudes (padding too). */
const ShadowQuery = z.object({ at: time, bbox: mercatorBbox });

/** Most buildings whose shadows one answer carries (the tallest first). */
const MAX_BUILDINGS = 6000;
/** A view wider than this (degrees of longitude) is a city overview: no shadows are drawn. */
const MAX_SPAN_DEG = 0.25;
/** Below this altitude (degrees) shadows run to the horizon: none are drawn. */
const MIN_ALTITUDE_DEG = 2;

/**
 * `GET /api/shadows?at&bbox` (issue #12 item 4): the ground shadows of the buildings in view at
 * a moment, for the sun study. Each shadow is the convex hull of the footprint and the footprint
 * moved away from the sun by height ÷ tan(altitude) — the impact model's own shadow geometry
 * (server/impact/shadow.ts) — computed in PostGIS, tallest buildings first. Buildings just
 * outside the view are included, as their shadows reach into it.
 */
export function shadowRoutes({ db, catalog }: { db: Kysely<Database>; catalog: LayerCatalog }) {
  return new Hono().get('/', valid('query', ShadowQuery), async (c) => {
    const q = c.req.valid('query');
    // The buildings' footprints and heights: as the buildings layer (public unless GIS staff made it staff, issue #9).
    const buildings = catalog.get('buildings')!;
    assertLayersVisible(principalOf(c), [buildings]);
    const [w, s, e, n] = q.bbox;
    const lon = (w + e) / 2;
    const lat = (s + n) / 2;
    // The impact model's sun (NREL SPA), so the study and the shadow impact agree.
    const p = sunPosition(q.at, lon, lat);
    const sun = {
      altitude_deg: round(p.altitudeDeg, 2),
      azimuth_deg: round(((p.azimuthDeg % 360) + 360) % 360, 2),
    };
    c.header(
      'Cache-Control',
      buildings.access === 'public' ? 'public, max-age=300' : 'private, max-age=300',
    );
    if (p.altitudeDeg < MIN_ALTITUDE_DEG || e - w > MAX_SPAN_DEG) {
      return c.json({
        at: q.at.toISOString(),
        sun,
        truncated: false,
        shadows: [],
      } satisfies ShadowsResponse);
    }
    // Offset per metre of height, in EPSG:3857 units (one ground metre spans 1 / cos(lat) of them).
    const [dx, dy] = shadowOffset(1, p).map((v) => v / Math.cos((lat * Math.PI) / 180));
    const pad = Math.max(e - w, n - s) * 0.25;
    const { rows } = await sql<{ g: string }>`
      SELECT ST_AsGeoJSON(ST_Transform(ST_ConvexHull(ST_Collect(b.geom,
          ST_Translate(b.geom, b.height_m * ${dx}::float8, b.height_m * ${dy}::float8))), 4326), 6) AS g
      FROM buildings b
      WHERE b.geom && ST_Transform(ST_MakeEnvelope(${w - pad}::float8, ${clampLatitude(s - pad)}::float8, ${e + pad}::float8, ${clampLatitude(n + pad)}::float8, 4326), 3857)
        AND b.height_m > 0
      ORDER BY b.height_m DESC
      LIMIT ${MAX_BUILDINGS + 1}::int`.execute(db);
    const shadows = rows.slice(0, MAX_BUILDINGS).flatMap((r) => {
      const g = JSON.parse(r.g) as { type: string; coordinates: [number, number][][] };
      return g.type === 'Polygon' ? [g.coordinates[0]!] : [];
    });
    return c.json({
      at: q.at.toISOString(),
      sun,
      truncated: rows.length > MAX_BUILDINGS,
      shadows,
    } satisfies ShadowsResponse);
  });
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;
