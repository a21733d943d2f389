import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { lonLatToTile } from '../../tiles/tile-coords';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import { requestJson, square, type Json } from '../support/requests';

/** Scenario ownership, sharing and publishing (issue #9). */
describe.each(BACKENDS)('scenario rights on %s', (kind) => {
  let twin: TestTwin;
  let a: Record<string, string>;
  let b: Record<string, string>;
  let admin: Record<string, string>;
  const call = (who: Record<string, string>, method: string, path: string, body?: unknown) =>
    requestJson(twin.app.request, who, method, path, body);
  const [lon, lat] = DEFAULT_DEMO_CENTER;

  beforeAll(async () => {
    twin = await createTestTwin(kind);
    a = await twin.as('planner', 'anna');
    b = await twin.as('planner', 'bert');
    admin = await twin.as('admin');
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  it('hides a draft from everyone but its owner and admins, and lists only what each may see', async () => {
    const draft = (await call(a, 'POST', '/api/scenarios', { name: "Anna's draft" })).json;
    expect(draft).toMatchObject({
      owner: 'anna',
      status: 'draft',
      access: 'edit',
      published_at: null,
    });
    expect((await call({}, 'GET', `/api/scenarios/${draft.id}`)).status).toBe(404);
    expect((await call(b, 'GET', `/api/scenarios/${draft.id}`)).status).toBe(404);
    expect(
      (await call(b, 'PATCH', `/api/scenarios/${draft.id}`, { name: 'mine now' })).status,
    ).toBe(404);
    expect((await call(b, 'DELETE', `/api/scenarios/${draft.id}`)).status).toBe(404);
    expect((await call(admin, 'GET', `/api/scenarios/${draft.id}`)).json).toMatchObject({
      access: 'edit',
    });
    const ids = async (who: Record<string, string>) =>
      (await call(who, 'GET', '/api/scenarios')).json.scenarios.map((s: Json) => s.id);
    expect(await ids(a)).toContain(draft.id);
    expect(await ids(b)).not.toContain(draft.id);
    expect(await ids({})).not.toContain(draft.id);
    expect(await ids(admin)).toContain(draft.id);
    // Its tiles too: `?scenario=` of a draft is the owner's.
    const t = lonLatToTile(lon, lat, 15);
    const tile = `/tiles/buildings/${t.z}/${t.x}/${t.y}.mvt?scenario=${draft.id}`;
    expect((await twin.app.request(tile)).status).toBe(404);
    expect((await twin.app.request(tile, { headers: b })).status).toBe(404);
    const own = await twin.app.request(tile, { headers: a });
    expect(own.status).toBe(200);
    expect(own.headers.get('Cache-Control')).toMatch(/^private/);
    // Its 3D surfaces and its edits in GIS formats too (issue #15's routes).
    const bbox = [lon - 0.002, lat - 0.002, lon + 0.002, lat + 0.002].join(',');
    const surfaces = `/api/buildings/surfaces?bbox=${bbox}&scenario=${draft.id}`;
    expect((await call({}, 'GET', surfaces)).status).toBe(404);
    expect((await call(b, 'GET', surfaces)).status).toBe(404);
    expect(await call(a, 'GET', surfaces)).toMatchObject({
      status: 200,
      json: { buildings: expect.any(Array), truncated: false },
    });
    for (const format of ['gpkg', 'fgb']) {
      const path = `/api/scenarios/${draft.id}/export?format=${format}`;
      expect((await twin.app.request(path)).status, format).toBe(404);
      expect((await twin.app.request(path, { headers: b })).status, format).toBe(404);
      const mine = await twin.app.request(path, { headers: a });
      expect(mine.status, format).toBe(200);
      expect(mine.headers.get('Content-Disposition'), format).toMatch(
        new RegExp(`-edits\\.${format}"$`),
      );
    }
    // Only an admin may give a scenario to someone else.
    expect(
      (await call(a, 'POST', '/api/scenarios', { name: 'for bert', owner: 'bert' })).status,
    ).toBe(403);
    expect(
      (await call(admin, 'POST', '/api/scenarios', { name: 'for bert', owner: 'bert' })).json,
    ).toMatchObject({ owner: 'bert' });
  });

  it('shares for read or edit with named planners', async () => {
    const s = (await call(a, 'POST', '/api/scenarios', { name: 'Shared' })).json;
    expect(
      (
        await call(a, 'PUT', `/api/scenarios/${s.id}/shares`, {
          shares: [{ user: 'nobody', access: 'read' }],
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call(a, 'PUT', `/api/scenarios/${s.id}/shares`, {
          shares: [{ user: 'anna', access: 'edit' }],
        })
      ).status,
    ).toBe(400);
    const shared = await call(a, 'PUT', `/api/scenarios/${s.id}/shares`, {
      shares: [{ user: 'bert', access: 'read' }],
    });
    expect(shared.json.shares).toEqual([{ user: 'bert', role: 'planner', access: 'read' }]);
    expect((await call(b, 'GET', `/api/scenarios/${s.id}`)).json).toMatchObject({ access: 'read' });
    const edit = {
      kind: 'add_building',
      geometry: square(lon + 0.003, lat + 0.002),
      floors: 3,
      use: 'office',
    };
    expect((await call(b, 'POST', `/api/scenarios/${s.id}/edits`, edit)).status).toBe(403);
    expect((await call(b, 'GET', `/api/scenarios/${s.id}/shares`)).status).toBe(403);
    await call(a, 'PUT', `/api/scenarios/${s.id}/shares`, {
      shares: [{ user: 'bert', access: 'edit' }],
    });
    expect((await call(b, 'POST', `/api/scenarios/${s.id}/edits`, edit)).status).toBe(201);
    expect((await call(b, 'POST', `/api/scenarios/${s.id}/duplicate`, {})).json).toMatchObject({
      owner: 'bert',
      parent_id: s.id,
    });
    // Unshared again: back to invisible.
    await call(a, 'PUT', `/api/scenarios/${s.id}/shares`, { shares: [] });
    expect((await call(b, 'GET', `/api/scenarios/${s.id}`)).status).toBe(404);
  });

  it('publishes for the public to read, and unpublishes', async () => {
    const s = (await call(a, 'POST', '/api/scenarios', { name: 'Station towers' })).json;
    await call(a, 'POST', `/api/scenarios/${s.id}/edits`, {
      kind: 'add_building',
      geometry: square(lon + 0.002, lat - 0.002, 24),
      floors: 20,
      use: 'residential',
    });
    const published = await call(a, 'PATCH', `/api/scenarios/${s.id}`, { status: 'published' });
    expect(published.json).toMatchObject({ status: 'published', published_at: expect.any(String) });
    // The public reads it: edits, impact (utility figures as aggregates), tiles, export.
    expect((await call({}, 'GET', `/api/scenarios/${s.id}`)).json).toMatchObject({
      access: 'read',
      edits: [{ kind: 'add_building' }],
    });
    // Impacts are computed in a worker queue (issue #10): wait for this one.
    const impact = await call({}, 'GET', `/api/scenarios/${s.id}/impact?wait=60`);
    expect(impact.status).toBe(200);
    expect(impact.json.water.delta).toBeDefined();
    expect(impact.json.power.delta).toBeDefined();
    expect(impact.json.water.flagged).toEqual([]);
    expect(impact.json.water.assets).toEqual([]);
    expect(impact.json.power.flagged).toEqual([]);
    expect(impact.json.power.assets).toEqual([]);
    const staffImpact = await call(a, 'GET', `/api/scenarios/${s.id}/impact?wait=60`);
    expect(
      staffImpact.json.water.assets.length + staffImpact.json.power.assets.length,
    ).toBeGreaterThan(0);
    expect((await call({}, 'GET', `/api/scenarios/${s.id}/impact/layers/utilities`)).status).toBe(
      401,
    );
    expect((await call({}, 'GET', `/api/scenarios/${s.id}/impact/layers/shadow`)).status).toBe(200);
    expect((await call({}, 'GET', `/api/scenarios/${s.id}/export?format=geojson`)).status).toBe(
      200,
    );
    const t = lonLatToTile(lon, lat, 15);
    const tile = await twin.app.request(
      `/tiles/buildings,changes/${t.z}/${t.x}/${t.y}.mvt?scenario=${s.id}`,
    );
    expect(tile.status).toBe(200);
    expect(tile.headers.get('Cache-Control')).toMatch(/^public/);
    expect(
      (await call({}, 'GET', '/api/scenarios')).json.scenarios.map((x: Json) => x.id),
    ).toContain(s.id);
    // Another planner may read but not change it; the public may not change anything.
    expect((await call(b, 'PATCH', `/api/scenarios/${s.id}`, { status: 'draft' })).status).toBe(
      403,
    );
    expect((await call(b, 'DELETE', `/api/scenarios/${s.id}`)).status).toBe(403);
    expect((await call({}, 'DELETE', `/api/scenarios/${s.id}`)).status).toBe(401);

    const withdrawn = await call(a, 'PATCH', `/api/scenarios/${s.id}`, { status: 'draft' });
    expect(withdrawn.json).toMatchObject({ status: 'draft', published_at: null });
    expect((await call({}, 'GET', `/api/scenarios/${s.id}`)).status).toBe(404);
  }, 240_000);

  it('lets an admin moderate any scenario', async () => {
    const s = (await call(b, 'POST', '/api/scenarios', { name: 'Bert' })).json;
    await call(b, 'PATCH', `/api/scenarios/${s.id}`, { status: 'published' });
    expect(
      (await call(admin, 'PATCH', `/api/scenarios/${s.id}`, { status: 'draft' })).json,
    ).toMatchObject({ status: 'draft' });
    expect((await call(admin, 'DELETE', `/api/scenarios/${s.id}`)).status).toBe(204);
  });
});
