import { Hono } from 'hono';
import type { LayerCatalog } from '../tiles/catalog';
import { cityStyle } from './city-style';
import { ApiError } from './errors';

/**
 * `/styles`: MapLibre styles generated from the tile catalogue.
 *   GET /city.json   the basemap; its sources point at `${origin}/tiles/…`, where origin is
 *                    the request's (the Vite dev proxy keeps the page's Host header).
 */
export function styleRoutes({ catalog }: { catalog: LayerCatalog }) {
  return new Hono().get('/:file', (c) => {
    if (c.req.param('file') !== 'city.json') throw new ApiError(404, 'not_found', 'unknown style');
    c.header('Cache-Control', 'public, no-cache');
    return c.json(cityStyle(catalog, new URL(c.req.url).origin));
  });
}
