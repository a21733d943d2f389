import { Hono } from 'hono';
import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { BuildingSurfaces, BuildingSurfacesResponse } from '../../common/api-types';
import type { Database } from '../../schema/database';
import { ApiError } from '../errors';
import { mercatorBbox } from '../params';
import { valid } from '../validate';
import type { LayerCatalog } from '../../tiles/catalog';
import { assertLayersVisible } from '../auth/layer-access';
import { principalOf, viewerOf } from '../auth/principal';
import { findReadableScenarioRef } from '../scenarios/scenario-store';

export interface SurfaceRoutesOptions {
  db: Kysely<Database>;
  /** The surfaces are the buildings layer's: they follow its access (issue #9). */
  catalog: LayerCatalog;
}

/** Largest bbox side, degrees (a zoom-15 view is ~0.06° wide): ask for less, or zoom in. */
export const MAX_SURFACE_BBOX_DEG = 0.2;
/** Buildings per answer, at most; nearest the bbox centre first. */
export const MAX_SURFACE_BUILDINGS = 2000;
/** Surface vertices per answer, at most (~40 bytes of JSON each). */
export const MAX_SURFACE_VERTICES = 400_000;

/** `?bbox=w,s,e,n[&scenario=id]`; the bbox is projected: clamped to mercator's latitudes. */
const SurfacesQuery = z.object({
  bbox: mercatorBbox,
  scenario: z.uuid({ message: 'scenario must be a scenario id' }).optional(),
});

/**
 * `/api/buildings`: the 3D map's LoD2 geometry (issue #15).
 *   GET /surfaces?bbox=w,s,e,n[&scenario=id] → the surfaces of buildings with LoD2+ geometry in
 *     the bbox, WGS84 with z above each building's ground. With a scenario, the buildings it
 *     changes or demolishes are left out (the scenario's tiles draw them as extrusions).
 * Bounded: the bbox side, the buildings and the vertices per answer (`truncated` says so).
 */
export function surfaceRoutes({ db, catalog }: SurfaceRoutesOptions) {
  return new Hono().get('/surfaces', valid('query', SurfacesQuery), async (c) => {
    const principal = principalOf(c);
    const buildingsLayer = catalog.get('buildings');
    if (buildingsLayer) assertLayersVisible(principal, [buildingsLayer]);
    const { bbox, scenario } = c.req.valid('query');
    const [w, s, e, n] = bbox;
    if (e - w > MAX_SURFACE_BBOX_DEG || n - s > MAX_SURFACE_BBOX_DEG) {
      throw new ApiError(
        400,
        'bad_request',
        `bbox sides must be at most ${MAX_SURFACE_BBOX_DEG}°; zoom in`,
      );
    }
    if (
      scenario !== undefined &&
      !(await findReadableScenarioRef(db, scenario.toLowerCase(), viewerOf(principal)))
    ) {
      throw new ApiError(404, 'not_found', 'no such scenario');
    }
    const edited = scenario
      ? sql`AND b.id NOT IN (SELECT target_id FROM scenario_edits WHERE scenario_id = ${scenario}::uuid
          AND target_id IS NOT NULL AND kind IN ('change_building', 'demolish_building'))`
      : sql``;
    const { rows } = await sql<{
      id: string;
      height_m: number;
      use: string;
      name: string | null;
      lod: string | null;
      types: (string | null)[] | null;
      g: string;
      npoints: number;
    }>`
      SELECT b.id, b.height_m, b.use, b.name, b.lod, b.surface_types AS types,
        ST_AsGeoJSON(ST_Transform(b.surfaces, 4326), 7) AS g, ST_NPoints(b.surfaces) AS npoints
      FROM buildings AS b
      WHERE b.surfaces IS NOT NULL AND b.geom && ST_Transform(ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326), 3857) ${edited}
      ORDER BY b.geom <-> ST_Transform(ST_SetSRID(ST_MakePoint(${(w + e) / 2}, ${(s + n) / 2}), 4326), 3857)
      LIMIT ${MAX_SURFACE_BUILDINGS + 1}`.execute(db);
    const buildings: BuildingSurfaces[] = [];
    let vertices = 0;
    let truncated = rows.length > MAX_SURFACE_BUILDINGS;
    for (const r of rows.slice(0, MAX_SURFACE_BUILDINGS)) {
      vertices += Number(r.npoints);
      if (vertices > MAX_SURFACE_VERTICES) {
        truncated = true;
        break;
      }
      const g = JSON.parse(r.g) as { coordinates: [number, number, number][][][] };
      buildings.push({
        id: Number(r.id),
        height_m: r.height_m,
        use: r.use,
        name: r.name,
        lod: r.lod,
        types: r.types ?? [],
        polygons: g.coordinates,
      });
    }
    return c.json({ buildings, truncated } satisfies BuildingSurfacesResponse);
  });
}
