import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { BACKENDS } from '../support/backends';
import { ensureUser, signIn, TEST_PASSWORD } from '../support/auth';
import { createTestTwin, type TestTwin } from '../support/twin';
import { requestJson, square, type Json } from '../support/requests';

/** Every change leaves a row in the audit log, written in the change's own transaction (issue #9). */
describe.each(BACKENDS)('audit log on %s', (kind) => {
  let twin: TestTwin;
  let admin: Record<string, string>;
  const call = (who: Record<string, string>, method: string, path: string, body?: unknown) =>
    requestJson(twin.app.request, who, method, path, body);
  const audit = async (query = '') =>
    (await call(admin, 'GET', `/api/audit?limit=1000${query}`)).json.entries as Json[];
  /** Imports through `POST /api/datasets` as `who` and waits for the job to end. */
  const importFile = async (
    who: Record<string, string>,
    fields: Record<string, string>,
    file: string,
    fileName: string,
  ) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob([file]), fileName);
    const res = await twin.app.request('/api/datasets', {
      method: 'POST',
      body: form,
      headers: who,
    });
    expect(res.status).toBe(202);
    const { job } = (await res.json()) as { job: { id: string } };
    await new Promise<void>((resolve) => {
      const live = twin.imports.live(job.id);
      if (!live || ['succeeded', 'failed'].includes(live.view.status)) resolve();
      else live.events.once('end', () => resolve());
    });
    return (await call(who, 'GET', `/api/datasets/${job.id}`)).json.job as Json;
  };
  const [lon, lat] = DEFAULT_DEMO_CENTER;

  beforeAll(async () => {
    twin = await createTestTwin(kind);
    admin = await twin.as('admin', 'auditor');
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  it('records sign-ins, failed attempts and sign-outs', async () => {
    await ensureUser(twin.backend.db, 'carol', 'planner');
    await twin.app.request('/api/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'carol', password: 'wrong password!' }),
    });
    await twin.app.request('/api/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'nobody', password: TEST_PASSWORD }),
    });
    const s = await signIn((p, i) => twin.app.request(p, i), 'carol');
    await twin.app.request('/api/session', { method: 'DELETE', headers: s.headers() });
    const rows = await audit('&actor=carol');
    expect(rows.map((r) => r.action)).toEqual([
      'session.delete',
      'session.create',
      'session.failed',
    ]);
    expect(rows[2]).toMatchObject({
      role: 'public',
      target_type: 'user',
      target_id: 'carol',
      details: { reason: 'wrong password' },
    });
    expect(rows[1]).toMatchObject({ role: 'planner', details: { via: 'password' } });
    expect((await audit('&actor=nobody'))[0]).toMatchObject({
      action: 'session.failed',
      details: { reason: 'unknown user' },
    });
    expect(Object.keys(rows[0]!).sort()).toEqual([
      'action',
      'actor',
      'at',
      'details',
      'id',
      'role',
      'target_id',
      'target_type',
    ]);
    // Passwords never reach the log.
    expect(JSON.stringify(await audit())).not.toMatch(/wrong password!|correct horse/);
  });

  it('records user and token changes', async () => {
    const added = await call(admin, 'POST', '/api/users', { name: 'dave', role: 'planner' });
    expect(added.status).toBe(201);
    expect(added.json.password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    await call(admin, 'PATCH', '/api/users/dave', { role: 'gis' });
    await call(admin, 'PATCH', '/api/users/dave', { reset_password: true });
    const dave = await twin.as('gis', 'dave');
    const token = await call(dave, 'POST', '/api/tokens', { name: 'laptop' });
    expect(token.json.token).toMatch(/^twt_/);
    await call(dave, 'DELETE', `/api/tokens/${token.json.id}`);
    await call(admin, 'DELETE', '/api/users/dave');
    const rows = (await audit()).filter(
      (r) => r.target_id === 'dave' || r.details?.user === 'dave' || r.details?.name === 'laptop',
    );
    const actions = rows.map((r) => r.action);
    for (const a of [
      'user.add',
      'user.set_role',
      'user.reset_password',
      'token.create',
      'token.revoke',
      'user.remove',
    ])
      expect(actions).toContain(a);
    expect(rows.find((r) => r.action === 'user.set_role')).toMatchObject({
      actor: 'auditor',
      role: 'admin',
      details: { from: 'planner', to: 'gis' },
    });
    expect(rows.find((r) => r.action === 'token.revoke')).toMatchObject({
      actor: 'dave',
      target_type: 'token',
      target_id: token.json.id,
    });
    expect(JSON.stringify(rows)).not.toContain(added.json.password);
    expect(JSON.stringify(rows)).not.toContain(token.json.token);
  });

  it('records scenario create, edit, share, publish, unpublish, update and delete', async () => {
    const p = await twin.as('planner', 'erin');
    await twin.as('planner', 'frank');
    const s = (await call(p, 'POST', '/api/scenarios', { name: 'Audited' })).json;
    const e = (
      await call(p, 'POST', `/api/scenarios/${s.id}/edits`, {
        kind: 'add_building',
        geometry: square(lon + 0.001, lat + 0.003),
        floors: 4,
        use: 'office',
      })
    ).json;
    await call(p, 'PUT', `/api/scenarios/${s.id}/shares`, {
      shares: [{ user: 'frank', access: 'edit' }],
    });
    await call(p, 'PATCH', `/api/scenarios/${s.id}`, { status: 'published' });
    await call(p, 'PATCH', `/api/scenarios/${s.id}`, { status: 'draft', name: 'Audited again' });
    await call(p, 'DELETE', `/api/scenarios/${s.id}/edits/${e.edit.id}`);
    await call(p, 'DELETE', `/api/scenarios/${s.id}`);
    const rows = (await audit(`&actor=erin`)).filter((r) => r.target_id === s.id).reverse();
    expect(rows.map((r) => r.action)).toEqual([
      'scenario.create',
      'scenario.edit',
      'scenario.share',
      'scenario.publish',
      'scenario.unpublish',
      'scenario.update',
      'scenario.edit',
      'scenario.delete',
    ]);
    expect(rows[1]).toMatchObject({
      role: 'planner',
      target_type: 'scenario',
      details: { op: 'add', kind: 'add_building', version: 2 },
    });
    expect(rows[2]!.details).toEqual({ shares: [{ user: 'frank', access: 'edit' }] });
    expect(rows[5]!.details).toEqual({ name: 'Audited again' });
  });

  it('records factor and layer access changes, and imports with dataset, mode and counts', async () => {
    await call(admin, 'PUT', '/api/impact-factors/residential.dwelling_size_m2', {
      value: 80,
      source: 'Audit test',
    });
    const gis = await twin.as('gis', 'gina');
    await call(gis, 'PATCH', '/api/layers/land_use', { access: 'staff' });
    await call(gis, 'PATCH', '/api/layers/land_use', { access: 'public' });
    const form = new FormData();
    form.append('layer', 'audit_points');
    form.append('name', 'Audit points');
    const fc = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { n: 1 },
          geometry: { type: 'Point', coordinates: [lon, lat] },
        },
      ],
    };
    form.append('file', new Blob([JSON.stringify(fc)]), 'points.geojson');
    const res = await twin.app.request('/api/datasets', {
      method: 'POST',
      body: form,
      headers: gis,
    });
    const { job } = (await res.json()) as { job: { id: string } };
    await new Promise<void>((resolve) => {
      const live = twin.imports.live(job.id);
      if (!live || ['succeeded', 'failed'].includes(live.view.status)) resolve();
      else live.events.once('end', () => resolve());
    });
    const rows = await audit();
    expect(rows.find((r) => r.action === 'factor.update')).toMatchObject({
      actor: 'auditor',
      target_id: 'residential.dwelling_size_m2',
      details: { from: 75, to: 80, source: 'Audit test' },
    });
    const layer = rows.filter((r) => r.action === 'layer.set_access');
    expect(layer.map((r) => r.details)).toEqual([
      { from: 'staff', to: 'public' },
      { from: 'public', to: 'staff' },
    ]);
    expect(rows.find((r) => r.action === 'import.load')).toMatchObject({
      actor: 'gina',
      role: 'gis',
      target_type: 'dataset',
      details: {
        dataset: 'Audit points',
        layer: 'audit_points',
        mode: 'replace',
        job: job.id,
        counts: { accepted: 1, repaired: 0, rejected: 0 },
      },
    });
  });

  it('records land-use and long-format sensor imports (with the readings stored) and dataset deletes', async () => {
    const gis = await twin.as('gis', 'gina');
    const park = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          id: 'p1',
          properties: { leisure: 'park', name: 'Audit park' },
          geometry: square(lon + 0.004, lat - 0.002, 40),
        },
      ],
    };
    const parks = await importFile(
      gis,
      { layer: 'land_use', name: 'Audit parks' },
      JSON.stringify(park),
      'parks.geojson',
    );
    expect(parks.status).toBe('succeeded');
    const long = [
      'sensor,ts,value,wkt',
      `audit-1,2026-11-28T10:00:00Z,40,POINT (${lon} ${lat})`,
      'audit-1,2026-11-28T10:05:00Z,42,',
      `audit-2,2026-11-28T10:00:00Z,30,POINT (${lon + 0.001} ${lat})`,
    ].join('\n');
    const sensors = await importFile(
      gis,
      {
        layer: 'sensors',
        name: 'Audit observations',
        mode: 'upsert',
        map: "kind='traffic_speed'\nunit='km/h'",
      },
      long,
      'observations.csv',
    );
    expect(sensors.status).toBe('succeeded');
    const loads = (await audit('&action=import.load')).filter((r) => r.actor === 'gina');
    expect(loads.find((r) => r.details.dataset === 'Audit parks')).toMatchObject({
      role: 'gis',
      target_type: 'dataset',
      target_id: parks.dataset_id,
      details: {
        layer: 'land_use',
        mode: 'replace',
        job: parks.id,
        counts: { accepted: 1, repaired: 0, rejected: 0 },
      },
    });
    expect(loads.find((r) => r.details.dataset === 'Audit observations')).toMatchObject({
      target_id: sensors.dataset_id,
      details: {
        layer: 'sensors',
        mode: 'upsert',
        job: sensors.id,
        counts: { accepted: 2, repaired: 0, rejected: 0 },
        readings: 3,
      },
    });

    expect((await call(gis, 'DELETE', `/api/datasets/${parks.dataset_id}`)).status).toBe(200);
    expect((await call(gis, 'DELETE', `/api/datasets/${sensors.dataset_id}`)).status).toBe(200);
    const deletes = await audit('&action=dataset.delete');
    expect(deletes.find((r) => r.target_id === parks.dataset_id)).toMatchObject({
      actor: 'gina',
      role: 'gis',
      target_type: 'dataset',
      details: { name: 'Audit parks', deleted: { land_use: 1 } },
    });
    expect(deletes.find((r) => r.target_id === sensors.dataset_id)).toMatchObject({
      actor: 'gina',
      details: { name: 'Audit observations', deleted: { sensors: 2, readings: 3 } },
    });
  });

  it('writes no row for a change that failed, since the row shares its transaction', async () => {
    const p = await twin.as('planner', 'erin');
    const s = (await call(p, 'POST', '/api/scenarios', { name: 'Failing' })).json;
    const before = (await audit()).length;
    // Validated inside the edit's transaction: outside the city, so it rolls back.
    const far = await call(p, 'POST', `/api/scenarios/${s.id}/edits`, {
      kind: 'add_building',
      geometry: square(lon + 1, lat + 1),
      floors: 4,
      use: 'office',
    });
    expect(far.status).toBe(400);
    const fail = await call(admin, 'PUT', '/api/impact-factors/no.such_factor', { value: 1 });
    expect(fail.status).toBe(404);
    // A dataset delete that finds nothing rolls back (a refused one, 409: test/imports/jobs.test.ts).
    expect(
      (await call(await twin.as('gis', 'gina'), 'DELETE', '/api/datasets/999999999')).status,
    ).toBe(404);
    expect((await audit()).length).toBe(before);
  });

  it('pages by before, and filters by actor and action', async () => {
    const all = await audit();
    const page = (await call(admin, 'GET', '/api/audit?limit=2')).json;
    expect(page.entries).toHaveLength(2);
    const next = (await call(admin, 'GET', `/api/audit?limit=2&before=${page.next}`)).json;
    expect(next.entries.map((r: Json) => r.id)).toEqual(all.slice(2, 4).map((r) => r.id));
    const byTime = (await call(admin, 'GET', `/api/audit?before=${encodeURIComponent(all[0]!.at)}`))
      .json.entries as Json[];
    expect(byTime.every((r) => r.at < all[0]!.at)).toBe(true);
    expect(
      (await audit('&action=scenario.publish')).every((r) => r.action === 'scenario.publish'),
    ).toBe(true);
    expect((await call(admin, 'GET', '/api/audit?action=DROP TABLE')).status).toBe(400);
  });
});
