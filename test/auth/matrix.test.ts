import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY, type RoutePolicy } from '../../server/auth/policy';
import { atLeast, type Role } from '../../server/auth/roles';
import { BACKENDS } from '../support/backends';
import { tokenHeaders, ensureUser } from '../support/auth';
import { createTestTwin, type TestTwin } from '../support/twin';
import { registeredRoutes } from '../support/routes';
import { square } from '../support/requests';
import {
  INGEST_KEY,
  matrixFixtures,
  PRINCIPALS,
  SAMPLES,
  upload,
  USERS,
  type MatrixFixtures,
  type Resource,
  type Who,
} from './route-samples';

type Outcome = 'allowed' | 401 | 403 | 404;

const ROLE_OF: Record<Exclude<Who, 'anonymous' | 'ingest'>, Role> = {
  plannerA: 'planner',
  plannerB: 'planner',
  gis: 'gis',
  admin: 'admin',
};

/** What the policy table (and the sample's resource rule) says this caller gets. */
function expected(entry: RoutePolicy, resource: Resource, who: Who): Outcome {
  if (who === 'ingest') return entry.access === 'ingest' ? 'allowed' : 403;
  if (entry.access === 'ingest') return who === 'anonymous' ? 401 : 403;
  if (who === 'anonymous') {
    if (entry.access !== 'public') return 401;
    if (resource === 'staff') return 401;
    if (resource === 'draftA') return 404;
    return 'allowed';
  }
  const role = ROLE_OF[who];
  if (entry.access !== 'public' && entry.access !== 'signed-in' && !atLeast(role, entry.access))
    return 403;
  if (resource === 'draftA' && who !== 'plannerA' && who !== 'admin') return 404;
  return 'allowed';
}

function outcomeOf(status: number, resource: Resource): Outcome | number {
  if (status === 401 || status === 403) return status;
  if (resource === 'static') return 'allowed';
  if (status === 404) return 404;
  return status < 400 ? 'allowed' : status;
}

/**
 * The rights the issue names, pinned: the matrix checks the app against the policy table; this
 * checks the table against the issue, so loosening a rule takes two deliberate edits.
 */
const ISSUE_RIGHTS: [string, RoutePolicy['access']][] = [
  ['DELETE /api/scenarios/:id', 'planner'],
  ['PATCH /api/scenarios/:id', 'planner'],
  ['POST /api/scenarios', 'planner'],
  ['PUT /api/impact-factors/:key', 'admin'],
  ['POST /api/datasets', 'gis'],
  ['POST /api/datasets/preview', 'gis'],
  ['GET /api/datasets', 'gis'],
  ['POST /api/sensors', 'gis'],
  ['PATCH /api/layers/:name', 'gis'],
  ['GET /api/alerts', 'planner'],
  ['GET /api/maintenance', 'planner'],
  ['GET /metrics', 'admin'],
  ['GET /api/audit', 'admin'],
  ['GET /api/users', 'admin'],
  ['POST /api/users', 'admin'],
  ['POST /api/ingest/readings', 'ingest'],
  ['POST /api/cameras/:id/frames', 'ingest'],
  ['PATCH /api/cameras/:id', 'admin'],
  ['GET /tiles/:layers/:z/:x/:y', 'public'],
  ['GET /api/scenarios/:id', 'public'],
];

describe('the policy table against the issue', () => {
  it.each(ISSUE_RIGHTS)('%s needs %s', (route, access) => {
    expect(POLICY[route]?.access).toBe(access);
  });
});

/**
 * The authorization matrix (issue #9): every route the app registers × {anonymous, planner A,
 * planner B, GIS, admin, an ingest key} → allowed / 401 / 403 / 404, expected from the policy
 * table itself. A route without a policy entry or without a sample fails here.
 */
describe.each(BACKENDS)('authorization matrix on %s', (kind) => {
  let twin: TestTwin;
  let fixtures: MatrixFixtures;
  const headers = new Map<Who, Record<string, string>>();
  let n = 0;

  beforeAll(async () => {
    twin = await createTestTwin(kind, { TWIN_INGEST_KEYS: INGEST_KEY });
    const db = twin.backend.db;
    headers.set('anonymous', {});
    headers.set('ingest', { Authorization: `Bearer ${INGEST_KEY}` });
    for (const who of ['plannerA', 'plannerB', 'gis', 'admin'] as const) {
      headers.set(
        who,
        await tokenHeaders(db, USERS[who], ROLE_OF[who] as 'planner' | 'gis' | 'admin'),
      );
    }
    await ensureUser(db, USERS.gis, 'gis');
    fixtures = await matrixFixtures(twin, async () => {
      const res = await twin.app.request('/api/datasets', {
        method: 'POST',
        body: upload('matrix_points'),
        headers: headers.get('gis'),
      });
      const { job } = (await res.json()) as { job: { id: string } };
      await new Promise<void>((resolve) => {
        const live = twin.imports.live(job.id);
        if (!live || live.view.status === 'succeeded' || live.view.status === 'failed') resolve();
        else live.events.once('end', () => resolve());
      });
      return job.id;
    });
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  const draftOfA = async () => {
    const a = headers.get('plannerA')!;
    const post = (path: string, body: unknown) =>
      twin.app.request(path, {
        method: 'POST',
        headers: { ...a, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const s = (await (await post('/api/scenarios', { name: `A's draft ${++n}` })).json()) as {
      id: string;
    };
    const e = (await (
      await post(`/api/scenarios/${s.id}/edits`, {
        kind: 'add_building',
        geometry: square(...fixtures.site),
        floors: 2,
        use: 'retail',
      })
    ).json()) as { edit: { id: string } };
    return { id: s.id, editId: e.edit.id };
  };

  it('answers every route for every caller as its policy says', async () => {
    const routes = registeredRoutes(twin);
    expect(
      routes.filter((r) => !SAMPLES[r]),
      'routes without a sample in test/auth/route-samples.ts',
    ).toEqual([]);
    const mismatches: string[] = [];
    let checked = 0;
    for (const route of routes) {
      const entry = POLICY[route];
      expect(entry, `${route} has no policy entry`).toBeDefined();
      for (const who of PRINCIPALS) {
        const sample = await SAMPLES[route]!({
          twin,
          who,
          draftOfA,
          unique: () => `${kind}-${++n}`,
          fixtures,
        });
        const init = sample.init ?? {};
        const res = await twin.app.request(sample.path, {
          ...init,
          headers: { ...(init.headers as Record<string, string>), ...headers.get(who) },
        });
        // Streams (live SSE) are only opened, not read.
        await res.body?.cancel().catch(() => undefined);
        const want = expected(entry!, sample.resource ?? 'none', who);
        const got = outcomeOf(res.status, sample.resource ?? 'none');
        checked++;
        if (got !== want)
          mismatches.push(
            `${route} as ${who} (${sample.path}): expected ${want}, got ${res.status}`,
          );
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(routes.length * PRINCIPALS.length);
    // Every route × six callers in turn, impacts computed on the way: minutes on a loaded 2-core
    // machine. Not a speed check: only a bound so a hang still fails.
  }, 600_000);

  it('lets the metrics token read /metrics and nothing else', async () => {
    const token = 'matrix-metrics-token-0123456789';
    const t = await createTestTwin(kind, { TWIN_METRICS_TOKEN: token });
    try {
      const bearer = { Authorization: `Bearer ${token}` };
      expect((await t.app.request('/metrics', { headers: bearer })).status).toBe(200);
      expect((await t.app.request('/api/scenarios', { headers: bearer })).status).toBe(403);
      expect(
        (
          await t.app.request('/metrics', {
            headers: { Authorization: 'Bearer wrong-token-0123456789' },
          })
        ).status,
      ).toBe(401);
    } finally {
      await t.dispose();
    }
  });
});
