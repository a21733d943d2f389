import { Hono, type Context } from 'hono';
import type { LayerCatalog } from '../tiles/catalog';
import { cityStyle } from './city-style';
import { ApiError } from './errors';
import { canSeeLayer } from './auth/layer-access';
import { principalOf } from './auth/principal';

/**
 * `/styles`: MapLibre styles generated from the tile catalogue.
 *   GET /city.json   the basemap; its sources point at `${origin}/tiles/…`, where origin is
 *                    TWIN_PUBLIC_URL's or a trusted proxy's, else '' (root-relative URLs;
 *                    the request's Host is never copied, issue #10 item 8).
 */
export function styleRoutes({
  catalog,
  origin,
}: {
  catalog: LayerCatalog;
  origin: (c: Context) => string;
}) {
  return new Hono().get('/:file', (c) => {
    if (c.req.param('file') !== 'city.json') throw new ApiError(404, 'not_found', 'unknown style');
    c.header('Cache-Control', 'private, no-cache');
    c.header('Vary', 'Cookie, Authorization');
    const p = principalOf(c);
    const style = cityStyle(catalog, origin(c)) as {
      sources: Record<string, unknown>;
      layers: { source?: string }[];
    };
    // Only sources the caller may see (issue #9): a layer made staff drops out of the basemap.
    for (const name of Object.keys(style.sources)) {
      const layer = catalog.get(name);
      if (layer && !canSeeLayer(p, layer)) delete style.sources[name];
    }
    style.layers = style.layers.filter((l) => l.source === undefined || l.source in style.sources);
    return c.json(style);
  });
}
