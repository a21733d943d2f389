import { sql, type Kysely } from 'kysely';
import { BUILT_IN_LAYERS } from '../common/layer-catalog';
import type { Database } from '../schema/database';
import type { LayerCatalog, LayerDefinition } from './catalog';
import { tileSpan, WORLD_HALF, type TileCoord } from './tile-coords';

/** The tile layers the map shows when it opens (the catalogue's `panel.defaultVisible`). */
export const HOME_LAYERS: readonly string[] = BUILT_IN_LAYERS.filter(
  (l) => l.panel.defaultVisible,
).map((l) => l.name);
/**
 * Zooms of the opening view: the whole city framed (≈ z12–13 for the demo city, tilted, so
 * nearer tiles one or two zooms deeper, the horizon shallower).
 */
export const HOME_ZOOMS = { min: 8, max: 14 };

/**
 * The tiles the map requests when it opens on the whole city: every tile of the default layers
 * over the road network's extent at the home view's zooms, each layer on its own (as the map
 * asks for them). Empty when there is no road network.
 */
export async function homeViewTiles(
  db: Kysely<Database>,
  catalog: LayerCatalog,
): Promise<{ layers: LayerDefinition[]; coord: TileCoord }[]> {
  const { rows } = await sql<{ xmin: number | null; ymin: number; xmax: number; ymax: number }>`
    SELECT ST_XMin(e) AS xmin, ST_YMin(e) AS ymin, ST_XMax(e) AS xmax, ST_YMax(e) AS ymax
    FROM (SELECT ST_Extent(geom) AS e FROM road_links) s`.execute(db);
  const e = rows[0];
  if (!e || e.xmin === null) return [];
  const out: { layers: LayerDefinition[]; coord: TileCoord }[] = [];
  for (const name of HOME_LAYERS) {
    const layer = catalog.get(name);
    if (!layer) continue;
    for (
      let z = Math.max(HOME_ZOOMS.min, layer.minzoom);
      z <= Math.min(HOME_ZOOMS.max, layer.maxzoom);
      z++
    ) {
      const span = tileSpan(z);
      const x0 = Math.floor((Number(e.xmin) + WORLD_HALF) / span);
      const x1 = Math.floor((Number(e.xmax) + WORLD_HALF) / span);
      const y0 = Math.floor((WORLD_HALF - Number(e.ymax)) / span);
      const y1 = Math.floor((WORLD_HALF - Number(e.ymin)) / span);
      for (let x = x0; x <= x1; x++)
        for (let y = y0; y <= y1; y++) out.push({ layers: [layer], coord: { z, x, y } });
    }
  }
  return out;
}
