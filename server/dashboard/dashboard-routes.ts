import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import type { DashboardResponse, DashboardScenario } from '../../common/api-types';
import { scenarioHeadline } from '../../common/scenario-headline';
import type { Database } from '../../schema/database';
import type { ImpactService } from '../scenarios/impact-service';
import { publicImpact } from '../scenarios/scenario-export';
import { dashboardFigures } from './dashboard-figures';

/** The dashboard is public and polled: one computation serves everyone for this long. */
const FRESH_MS = 15_000;
/** Published scenarios shown as cards, newest first (a bounded answer). */
const MAX_SCENARIOS = 12;
/**
 * Impacts the dashboard asks for per computation: the newest card without one. Impacts run in
 * the worker queue (issue #10) that planners' own scenarios need; at most one job per 15 s
 * comes from here, and none while the queue is half full (ImpactService.peek).
 */
const REQUESTS_PER_COMPUTE = 1;

export interface DashboardRoutesOptions {
  db: Kysely<Database>;
  impacts: ImpactService;
}

/**
 * `GET /api/dashboard` (public, issue #9 item 5):
 * `{as_of, kpis:[{key,label,value,unit,as_of,source,trend?}], series:[{key,label,unit,points:[{t,value}]}], scenarios:[{id,name,published_at,kpis}]}`.
 * `scenarios` are the published ones (`published_at`) with their headline deltas
 * (common/scenario-headline.ts) from the stored impact of their current version; a card whose
 * impact is not computed yet comes with `impact: "computing"` and no deltas, and its impact is
 * requested in the background — the dashboard never waits for one.
 */
export function dashboardRoutes({ db, impacts }: DashboardRoutesOptions) {
  let cached: { at: number; body: Promise<DashboardResponse> } | null = null;
  const compute = async (): Promise<DashboardResponse> => {
    const [figures, scenarios] = await Promise.all([
      dashboardFigures(db),
      publishedScenarios(db, impacts),
    ]);
    return { ...figures, scenarios };
  };
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

/** The published scenarios' cards, newest first, each with the headline of its stored impact. */
async function publishedScenarios(
  db: Kysely<Database>,
  impacts: ImpactService,
): Promise<DashboardScenario[]> {
  const rows = await db
    .selectFrom('scenarios')
    .select(['id', 'name', 'published_at'])
    .where('published_at', 'is not', null)
    .orderBy('published_at', 'desc')
    .orderBy('id')
    .limit(MAX_SCENARIOS)
    .execute();
  let requests = REQUESTS_PER_COMPUTE;
  const cards: DashboardScenario[] = [];
  for (const r of rows) {
    const impact = await impacts.peek(r.id, { request: requests > 0 }).catch(() => null);
    if (!impact) requests--;
    cards.push({
      id: r.id,
      name: r.name,
      published_at: new Date(r.published_at!).toISOString(),
      // The public's figures: utility totals only (the headline reads nothing else).
      kpis: impact ? scenarioHeadline(publicImpact(impact)) : [],
      impact: impact ? 'ready' : 'computing',
    });
  }
  return cards;
}
