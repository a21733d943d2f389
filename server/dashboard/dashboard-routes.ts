import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { DashboardResponse } from '../../common/api-types';
import type { Database } from '../db/schema';
import { dashboardFigures } from './dashboard-figures';

/** The dashboard is public and polled: one computation serves everyone for this long. */
const FRESH_MS = 15_000;

/**
 * `GET /api/dashboard` (public, issue #9 item 5):
 * `{as_of, kpis:[{key,label,value,unit,as_of,source,trend?}], series:[{key,label,unit,points:[{t,value}]}], scenarios:[…]}`.
 * `scenarios` lists published scenarios with their headline deltas (common/scenario-headline.ts)
 * once scenarios carry `published_at`; until then it is empty.
 */
export function dashboardRoutes({ db }: { db: Kysely<Database> }) {
  let cached: { at: number; body: Promise<DashboardResponse> } | null = null;
  const compute = async (): Promise<DashboardResponse> => ({ ...(await dashboardFigures(db)), scenarios: [] });
  return new Hono().get('/', async (c) => {
    const now = Date.now();
    if (!cached || now - cached.at > FRESH_MS) {
      const body = compute();
      cached = { at: now, body };
      // A failed computation is not kept: the next request tries again.
      body.catch(() => {
        if (cached?.body === body) cached = null;
      });
    }
    c.header('Cache-Control', `public, max-age=${FRESH_MS / 1000}`);
    return c.json(await cached.body);
  });
}
