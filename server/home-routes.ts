import tzLookup from '@photostructure/tz-lookup';
import { Hono } from 'hono';
import { sql, type Kysely } from 'kysely';
import type { MapHome } from '../common/api-types';
import type { LayerVersions } from '../tiles/layer-versions';
import type { Config } from './config';
import type { Database } from '../schema/database';
import {
  densestCluster,
  lonLatToMercator,
  mercatorToLonLat,
  type CountedCell,
} from './densest-cluster';

/** Grid cell for counting, EPSG:3857 metres (≈ 600 m on the ground at 52° N). */
const CELL_M = 1000;

export interface HomeRoutesOptions {
  db: Kysely<Database>;
  config: Pick<Config, 'home' | 'timeZone'>;
  /** Layer versions key the cached answer: an import moves home at once. */
  versions: LayerVersions;
}

/**
 * `GET /api/home`: where the map opens. `TWIN_HOME` when set; otherwise the densest cluster of
 * buildings and road links (counted on a 1 km grid), so a twin holding two cities opens on one
 * of them and never on the ocean between (issue #10). `bounds` is what "reset view" frames.
 * `time_zone` is the city's: `TWIN_TIME_ZONE`, else the zone at the home centre by
 * @photostructure/tz-lookup's offline boundary data (issue #12).
 */
export function homeRoutes({ db, config, versions }: HomeRoutesOptions) {
  let cached: { key: string; home: Omit<MapHome, 'time_zone'> } | null = null;
  return new Hono().get('/', async (c) => {
    c.header('Cache-Control', 'no-cache');
    if (config.home) {
      const { center, zoom } = config.home;
      return c.json({
        source: 'config',
        center,
        zoom,
        bounds: viewBounds(center, zoom),
        time_zone: config.timeZone ?? zoneAt(center),
      } satisfies MapHome);
    }
    const v = await versions.current();
    const key = `${v.get('buildings') ?? 0}/${v.get('roads') ?? 0}`;
    if (cached?.key !== key) cached = { key, home: await densestHome(db) };
    const home = cached.home;
    return c.json({
      ...home,
      time_zone: config.timeZone ?? (home.source === 'none' ? null : zoneAt(home.center)),
    } satisfies MapHome);
  });
}

/** The IANA time zone at a WGS84 point (offline lookup); null where it cannot say. */
function zoneAt([lon, lat]: [number, number]): string | null {
  try {
    return tzLookup(lat, lon);
  } catch {
    return null;
  }
}

async function densestHome(db: Kysely<Database>): Promise<Omit<MapHome, 'time_zone'>> {
  // Feature centres from their bounding boxes: no geometry is computed per row.
  const { rows } = await sql<{
    cx: number;
    cy: number;
    n: string | number;
    x0: number;
    y0: number;
    x1: number;
    y1: number;
  }>`
    SELECT floor(x / ${CELL_M}::float8)::int AS cx, floor(y / ${CELL_M}::float8)::int AS cy, count(*) AS n,
      min(x) AS x0, min(y) AS y0, max(x) AS x1, max(y) AS y1
    FROM (
      SELECT (ST_XMin(geom) + ST_XMax(geom)) / 2 AS x, (ST_YMin(geom) + ST_YMax(geom)) / 2 AS y FROM buildings
      UNION ALL
      SELECT (ST_XMin(geom) + ST_XMax(geom)) / 2, (ST_YMin(geom) + ST_YMax(geom)) / 2 FROM road_links
    ) AS f
    GROUP BY 1, 2`.execute(db);
  const cells: CountedCell[] = rows.map((r) => ({
    cx: Number(r.cx),
    cy: Number(r.cy),
    count: Number(r.n),
    minX: Number(r.x0),
    minY: Number(r.y0),
    maxX: Number(r.x1),
    maxY: Number(r.y1),
  }));
  const cluster = densestCluster(cells);
  if (!cluster) return { source: 'none', center: [0, 0], zoom: 2, bounds: null };
  // Half a cell of margin: the extent runs through feature centres.
  const [x0, y0, x1, y1] = cluster.bounds;
  const [w, s] = mercatorToLonLat(x0 - CELL_M / 2, y0 - CELL_M / 2);
  const [e, n] = mercatorToLonLat(x1 + CELL_M / 2, y1 + CELL_M / 2);
  const round = (v: number) => Math.round(v * 1e6) / 1e6;
  return {
    source: 'densest',
    center: [round((w + e) / 2), round((s + n) / 2)],
    zoom: null,
    bounds: [round(w), round(s), round(e), round(n)],
  };
}

/** The WGS84 extent a 1440 × 900 px view shows at `zoom` around `center` (512 px tiles). */
function viewBounds(center: [number, number], zoom: number): [number, number, number, number] {
  const metresPerPx = (2 * Math.PI * 6378137) / (512 * 2 ** zoom);
  const [x, y] = lonLatToMercator(center[0], center[1]);
  const [w, s] = mercatorToLonLat(x - 720 * metresPerPx, y - 450 * metresPerPx);
  const [e, n] = mercatorToLonLat(x + 720 * metresPerPx, y + 450 * metresPerPx);
  return [w, Math.max(s, -85.05), e, Math.min(n, 85.05)];
}
