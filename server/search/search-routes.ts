import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { SearchResponse } from '../../common/api-types';
import type { Database } from '../db/schema';
import { parseQuery } from '../sensors/query-params';
import { searchTwin } from './search-query';

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
 * public sensor ids resembling `q`, best first — from the twin's own database, offline.
 */
export function searchRoutes({ db }: { db: Kysely<Database> }) {
  return new Hono().get('/', async (c) => {
    const { q, limit } = parseQuery(SearchQuery, c.req.query());
    const results = await searchTwin(db, q, limit);
    c.header('Cache-Control', 'public, max-age=60');
    return c.json({ q, results } satisfies SearchResponse);
  });
}
