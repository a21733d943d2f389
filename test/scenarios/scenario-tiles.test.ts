import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { ADDED_ID_OFFSET } from '../../tiles/scenario-sql';
import { lonLatToTile, type TileCoord } from '../../tiles/tile-coords';
import { BACKENDS } from '../support/backends';
import { fetchTile } from '../support/mvt';
import { createTestTwin, type TestTwin } from '../support/twin';
import { cornerSquare } from '../support/requests';

describe.each(BACKENDS)('scenario tiles on %s', (kind) => {
  let twin: TestTwin;
  let scenarioId: string;
  let tile: TileCoord;
  let addedEdit: string;
  let demolished: string;
  let closedLink: string;
  let addedRoad: string;
  const path = (layers: string, scenario?: string) =>
    `/tiles/${layers}/${tile.z}/${tile.x}/${tile.y}.mvt${scenario ? `?scenario=${scenario}` : ''}`;
  /** As the scenario's owner, a planner: a draft's tiles are its owner's (issue #9). */
  const req = async (p: string, init: RequestInit = {}) =>
    twin.app.request(p, {
      ...init,
      headers: { ...(await twin.as('planner')), ...(init.headers as Record<string, string>) },
    });
  const owner = { request: req };
  const post = async (p: string, body: unknown) => {
    const res = await req(p, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    return (await res.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  beforeAll(async () => {
    twin = await createTestTwin(kind);
    const [lon, lat] = DEFAULT_DEMO_CENTER;
    tile = lonLatToTile(lon, lat, 16);
    const db = twin.backend.db;
    // A building and a road link inside the tile, and a free spot for a new building.
    const { rows: b } = await sql<{ id: string }>`
      SELECT id::text AS id FROM buildings
      WHERE ST_Within(geom, ST_TileEnvelope(${tile.z}::int, ${tile.x}::int, ${tile.y}::int)) ORDER BY id LIMIT 1`.execute(
      db,
    );
    const { rows: l } = await sql<{ id: string }>`
      SELECT id::text AS id FROM road_links
      WHERE ST_Within(geom, ST_TileEnvelope(${tile.z}::int, ${tile.x}::int, ${tile.y}::int)) ORDER BY id LIMIT 1`.execute(
      db,
    );
    demolished = b[0]!.id;
    closedLink = l[0]!.id;
    const s = await post('/api/scenarios', { name: 'Tiles' });
    scenarioId = s.id;
    const d = 0.0001;
    const added = await post(`/api/scenarios/${scenarioId}/edits`, {
      kind: 'add_building',
      floors: 12,
      use: 'office',
      geometry: cornerSquare(lon, lat, d),
    });
    addedEdit = added.edit.id;
    await post(`/api/scenarios/${scenarioId}/edits`, {
      kind: 'demolish_building',
      buildingId: demolished,
    });
    await post(`/api/scenarios/${scenarioId}/edits`, {
      kind: 'edit_road',
      roadLinkId: closedLink,
      closed: true,
    });
    const road = await post(`/api/scenarios/${scenarioId}/edits`, {
      kind: 'add_road',
      class: 'collector',
      lanes: 2,
      name: 'New Lane',
      geometry: {
        type: 'LineString',
        coordinates: [
          [lon - 0.0005, lat - 0.0003],
          [lon + 0.0005, lat - 0.0003],
        ],
      },
    });
    addedRoad = road.edit.id;
  });

  afterAll(async () => {
    await twin?.dispose();
  });

  it('shows baseline + edits with ?scenario, and the baseline without it', async () => {
    const base = await fetchTile(twin.app, path('buildings,roads'));
    const scen = await fetchTile(owner, path('buildings,roads,changes', scenarioId));
    expect(base.status).toBe(200);
    expect(scen.status).toBe(200);
    const ids = (layer: string, t: typeof base) =>
      new Set((t.layers[layer] ?? []).map((f) => String(f.id)));
    const addedId = String(ADDED_ID_OFFSET + Number(addedEdit));
    expect(ids('buildings', base).has(demolished)).toBe(true);
    expect(ids('buildings', scen).has(demolished)).toBe(false);
    expect(ids('buildings', base).has(addedId)).toBe(false);
    expect(ids('buildings', scen).has(addedId)).toBe(true);
    const tower = scen.layers.buildings!.find((f) => String(f.id) === addedId)!;
    expect(tower.properties).toMatchObject({ use: 'office', levels: 12 });
    expect(tower.properties.height_m).toBeGreaterThan(40);
    expect(ids('roads', base).has(closedLink)).toBe(true);
    expect(ids('roads', scen).has(closedLink)).toBe(false);

    const newRoad = scen.layers.roads!.find(
      (f) => String(f.id) === String(ADDED_ID_OFFSET + Number(addedRoad)),
    );
    expect(newRoad?.properties).toMatchObject({ class: 'collector', lanes: 2, name: 'New Lane' });

    const changes = scen.layers.changes!;
    expect(changes.map((f) => f.properties.change).sort()).toEqual([
      'added',
      'added',
      'removed',
      'removed',
    ]);
    expect(changes.map((f) => f.properties.kind).sort()).toEqual([
      'add_building',
      'add_road',
      'demolish_building',
      'edit_road',
    ]);
  });

  it('puts the scenario id and version in the ETag', async () => {
    const base = await fetchTile(twin.app, path('buildings'));
    const first = await fetchTile(owner, path('buildings', scenarioId));
    expect(first.etag).not.toBe(base.etag);
    expect(first.etag).toContain(scenarioId);
    const cond = await req(path('buildings', scenarioId), {
      headers: { 'If-None-Match': first.etag! },
    });
    expect(cond.status).toBe(304);
    await post(`/api/scenarios/${scenarioId}/edits`, {
      kind: 'change_building',
      buildingId: demolished,
      floors: 3,
    });
    const next = await fetchTile(owner, path('buildings', scenarioId));
    expect(next.etag).not.toBe(first.etag);
    const stale = await req(path('buildings', scenarioId), {
      headers: { 'If-None-Match': first.etag! },
    });
    expect(stale.status).toBe(200);
  });

  it('answers 400 for a malformed scenario id, 404 for an unknown one and for changes without a scenario', async () => {
    expect((await req(path('buildings', 'nope'))).status).toBe(400);
    expect((await req(path('buildings', '00000000-0000-4000-8000-000000000000'))).status).toBe(404);
    expect((await req(path('changes'))).status).toBe(404);
  });
});
