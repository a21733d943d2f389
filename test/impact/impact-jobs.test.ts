import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lonLatToTile } from '../../tiles/tile-coords';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { BACKENDS } from '../support/backends';
import { createTestTwin, suiteTwin, type TestTwin } from '../support/twin';
import { runImport, SHARED_DATA } from '../imports/support';
import { requestJson, square, type Json } from '../support/requests';

const MANHATTAN = join(SHARED_DATA, 'manhattan/manhattan_midtown_buildings_osm.geojson');
const HAS_MANHATTAN = existsSync(MANHATTAN);
if (!HAS_MANHATTAN)
  console.warn(`[skipped] impact with another city's buildings: ${MANHATTAN} is absent`);

/** Requests as a planner, who owns the scenarios it creates (issue #9). */
function api(twin: TestTwin) {
  return async (method: string, path: string, body?: unknown) =>
    requestJson(twin.app.request, await twin.as('planner'), method, path, body);
}

/** A scenario with one tower near the demo centre, offset so each one is different. */
async function towerScenario(call: ReturnType<typeof api>, k: number): Promise<string> {
  const [lon, lat] = DEFAULT_DEMO_CENTER;
  const { json: s } = await call('POST', '/api/scenarios', { name: `tower ${k}` });
  const e = await call('POST', `/api/scenarios/${s.id}/edits`, {
    kind: 'add_building',
    geometry: square(lon + 0.004 + 0.001 * k, lat - 0.006, 20),
    floors: 12 + k,
    use: 'residential',
  });
  expect(e.status).toBe(201);
  return s.id as string;
}

describe.each(BACKENDS)('impacts off the event loop on %s', (kind) => {
  let twin: TestTwin;
  let call: ReturnType<typeof api>;
  beforeAll(async () => {
    twin = await createTestTwin(kind, { TWIN_IMPACT_QUEUE: '1' });
    call = api(twin);
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  it('answers at once with the job status (running, queued), 503 + Retry-After past the queue, then the result', async () => {
    const ids = [
      await towerScenario(call, 1),
      await towerScenario(call, 2),
      await towerScenario(call, 3),
    ];
    const first = await call('GET', `/api/scenarios/${ids[0]}/impact`);
    expect(first.status).toBe(202);
    expect(first.headers.get('Retry-After')).toBe('1');
    expect(first.json).toMatchObject({ status: 'running', scenario: { id: ids[0] } });
    const second = await call('GET', `/api/scenarios/${ids[1]}/impact`);
    expect(second.status).toBe(202);
    expect(second.json).toMatchObject({ status: 'queued', position: 0 });
    // The queue holds one job: a third different impact is refused, not piled up.
    const third = await call('GET', `/api/scenarios/${ids[2]}/impact`);
    expect(third.status).toBe(503);
    expect(third.headers.get('Retry-After')).toBeTruthy();
    expect(third.json.error.code).toBe('unavailable');
    // The same request again joins its job (coalesced), it does not count against the queue.
    expect((await call('GET', `/api/scenarios/${ids[1]}/impact`)).json.status).toMatch(
      /queued|running/,
    );
    const done = await call('GET', `/api/scenarios/${ids[0]}/impact?wait=60`);
    expect(done.status).toBe(200);
    expect(done.json.status).toBe('done');
    expect((await call('GET', `/api/scenarios/${ids[1]}/impact?wait=60`)).status).toBe(200);
    expect((await call('GET', `/api/scenarios/${ids[2]}/impact?wait=60`)).status).toBe(200);
    expect((await call('GET', `/api/scenarios/${ids[0]}/impact?wait=nope`)).status).toBe(400);
  });

  it('never adds vehicle-km when an edit removes trips', async () => {
    const { rows } = await sql<{ id: string }>`
      SELECT b.id::text AS id FROM buildings b ORDER BY b.geom <-> (SELECT geom FROM road_nodes ORDER BY id LIMIT 1 OFFSET 1500) LIMIT 12`.execute(
      twin.backend.db,
    );
    const { json: s } = await call('POST', '/api/scenarios', { name: 'demolitions' });
    let last: Json | null = null;
    for (const [i, r] of rows.entries()) {
      await call('POST', `/api/scenarios/${s.id}/edits`, {
        kind: 'demolish_building',
        buildingId: Number(r.id),
      });
      if (i % 4 !== 0 && i !== rows.length - 1) continue;
      const impact = (await call('GET', `/api/scenarios/${s.id}/impact?wait=60`)).json;
      expect(impact.traffic.added_trips).toBeLessThan(0);
      expect(impact.traffic.kpis.trips.delta).toBeLessThan(0);
      expect(impact.traffic.kpis.vehicle_km.delta).toBeLessThanOrEqual(0);
      expect(impact.traffic.kpis.vehicle_hours.delta).toBeLessThanOrEqual(0);
      expect(impact.traffic.assignment.relative_gap).toBeLessThanOrEqual(1e-4);
      if (last)
        expect(impact.traffic.kpis.vehicle_km.scenario).toBeLessThanOrEqual(
          last.traffic.kpis.vehicle_km.scenario,
        );
      last = impact;
    }
  });
});

describe.each(BACKENDS)('an impact past its time budget on %s', (kind) => {
  let twin: TestTwin;
  beforeAll(async () => {
    twin = await createTestTwin(kind, { TWIN_IMPACT_TIMEOUT_S: '1' });
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  it('is stopped and reported as failed (503, timeout), and the twin keeps answering', async () => {
    const call = api(twin);
    const id = await towerScenario(call, 0);
    // A cold baseline of the demo city takes seconds: more than the 1 s budget.
    const res = await call('GET', `/api/scenarios/${id}/impact?wait=20`);
    expect(res.status).toBe(503);
    expect(res.json.status).toBe('failed');
    expect(res.json.error.code).toBe('timeout');
    expect(res.headers.get('Retry-After')).toBeTruthy();
    expect((await call('GET', '/healthz')).status).toBe(200);
  });
});

describe.skipIf(!HAS_MANHATTAN).each(BACKENDS)(
  'an impact with another city imported on %s (needs ../shared/data)',
  (kind) => {
    const ctx = suiteTwin(kind);

    it('finishes, says what was outside the model, and tiles keep answering meanwhile', async () => {
      const call = api(ctx.twin);
      // GIS staff import Midtown Manhattan's buildings, 6,000 km from the demo city's networks.
      const job = await runImport(ctx.twin, MANHATTAN, {
        layer: 'buildings',
        name: 'Manhattan buildings',
        licence: 'ODbL',
      });
      expect(job.error).toBeNull();
      const imported = job.counts!.accepted + job.counts!.repaired;
      expect(imported).toBeGreaterThan(13_000);
      const id = await towerScenario(call, 0);
      const [lon, lat] = DEFAULT_DEMO_CENTER;
      const t = lonLatToTile(lon, lat, 14);
      const tiles: number[] = [];
      let computing = true;
      const impact = call('GET', `/api/scenarios/${id}/impact?wait=60`).finally(
        () => (computing = false),
      );
      while (computing) {
        // Tiles around the centre, as a map client asks for them; each request arrives on its own
        // turn of the event loop, as requests from the network do.
        const k = tiles.length;
        const r = await ctx.twin.app.request(
          `/tiles/roads,buildings/15/${2 * t.x + (k % 4)}/${2 * t.y + (Math.floor(k / 4) % 4)}.mvt`,
        );
        tiles.push(r.status);
        await r.arrayBuffer();
        await new Promise((resolve) => setImmediate(resolve));
      }
      const res = await impact;
      expect(res.status).toBe(200);
      // Tiles were served while the baseline was rebuilt and the impact computed in the worker.
      expect(tiles.length).toBeGreaterThan(3);
      expect(tiles.every((s) => s === 200 || s === 204)).toBe(true);
      const r = res.json;
      for (const outside of [
        r.traffic.outside_model,
        r.water.outside_model,
        r.power.outside_model,
      ]) {
        expect(outside.buildings).toBeGreaterThanOrEqual(imported);
        expect(outside.amount).toBeGreaterThan(0);
      }
      expect(r.traffic.outside_model.unit).toBe('veh/h');
      // The demo city's own figures are unaffected by the far-away buildings: the tower adds trips.
      expect(r.traffic.added_trips).toBeGreaterThan(0);
      expect(r.traffic.assignment.relative_gap).toBeLessThanOrEqual(1e-4);
    });
  },
);
