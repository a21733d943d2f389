import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { SearchResponse } from '../../common/api-types';
import type { Database } from '../../schema/database';
import { valid } from '../validate';
import { searchTwin } from './search-query';
import type { LayerCatalog } from '../../tiles/catalog';
import { canSeeLayer } from '../auth/layer-access';
import { principalOf } from '../auth/principal';
import { seesAllSensors } from '../auth/sensor-access';

const SearchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(2, 'q: at least 2 characters')
    .max(100, 'q: at most 100 characters')
    .refine((s) => !/[\u0000-\u001f]/.test(s), 'q: no control characters'),
  limit: z.coerce.number().int().min(1).max(25).default(8),
});

/**
 * `GET /api/search?q&limit` (issue #12 item 3): streets, places, buildings, addresses and
 * sensor ids resembling `q`, best first — from the twin's own database, offline. What the caller
 * may see (issue #9): the public finds traffic sensors only, staff every sensor; streets, places
 * and buildings come only from layers the caller may see.
 */
export function searchRoutes({ db, catalog }: { db: Kysely<Database>; catalog: LayerCatalog }) {
  return new Hono().get('/', valid('query', SearchQuery), async (c) => {
    const { q, limit } = c.req.valid('query');
    const p = principalOf(c);
    const sees = (name: string) => {
      const layer = catalog.get(name);
      return layer !== undefined && canSeeLayer(p, layer);
    };
    const allSensors = seesAllSensors(p);
    const layers = {
      roads: sees('roads'),
      land_use: sees('land_use'),
      buildings: sees('buildings'),
    };
    const results = await searchTwin(db, q, limit, { allSensors, layers });
    // An answer with what only staff may see (utility sensors, a staff layer): never in a shared cache.
    const staffAnswer =
      allSensors ||
      Object.entries(layers).some(([name, seen]) => seen && catalog.get(name)!.access !== 'public');
    c.header('Cache-Control', staffAnswer ? 'private, max-age=60' : 'public, max-age=60');
    c.header('Vary', 'Cookie, Authorization');
    return c.json({ q, results } satisfies SearchResponse);
  });
}
