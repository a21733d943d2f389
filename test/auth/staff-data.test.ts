import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { createApp } from '../../server/app';
import { createLogger } from '../../server/log';
import { TokenStore } from '../../server/auth/token-store';
import { lonLatToTile } from '../../tiles/tile-coords';
import { BACKENDS } from '../support/backends';
import { decodeTile } from '../support/mvt';
import { createTestTwin, type TestTwin } from '../support/twin';
import { demoSensor, SseReader, TEST_KEY, AUTH } from '../sensors/helpers';
import { runImport, scratchDir, writeFile, removeScratch } from '../imports/support';

/** The public never sees a staff layer, tile or sensor (issue #9) — cache warm or cold. */
describe.each(BACKENDS)('staff layers and sensors on %s', (kind) => {
  let twin: TestTwin;
  let planner: Record<string, string>;
  let gis: Record<string, string>;
  const [lon, lat] = DEFAULT_DEMO_CENTER;
  const t = lonLatToTile(lon, lat, 15);
  const tilePath = (layers: string) => `/tiles/${layers}/${t.z}/${t.x}/${t.y}.mvt`;
  const get = (path: string, headers: Record<string, string> = {}) =>
    twin.app.request(path, { headers: { 'Accept-Encoding': 'gzip', ...headers } });
  const patch = (name: string, access: string, headers = gis) =>
    twin.app.request(`/api/layers/${name}`, {
      method: 'PATCH',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ access }),
    });

  beforeAll(async () => {
    twin = await createTestTwin(kind, { TWIN_INGEST_KEYS: TEST_KEY });
    planner = await twin.as('planner');
    gis = await twin.as('gis');
  });
  afterAll(async () => {
    removeScratch();
    await twin?.dispose();
  });

  it('answers 401 for a staff tile, cold and warm, and never builds or caches it for the public', async () => {
    twin.tiles.cache.clear();
    const cold = await get(tilePath('water_pipes'));
    expect(cold.status).toBe(401);
    expect(cold.headers.get('ETag')).toBeNull();
    expect(twin.tiles.cache.size).toBe(0);

    const staff = await get(tilePath('water_pipes'), planner);
    expect(staff.status).toBe(200);
    expect(staff.headers.get('Cache-Control')).toMatch(/^private/);
    const etag = staff.headers.get('ETag')!;
    expect(
      decodeTile(new Uint8Array(await staff.arrayBuffer())).water_pipes!.length,
    ).toBeGreaterThan(0);
    expect(twin.tiles.cache.size).toBe(1);

    // Warm: the tile is in the cache now, and the public still gets nothing of it.
    const warm = await get(tilePath('water_pipes'));
    expect(warm.status).toBe(401);
    expect(await warm.text()).not.toMatch(/water_pipes.*diameter/);
    const conditional = await get(tilePath('water_pipes'), { 'If-None-Match': etag });
    expect(conditional.status).toBe(401);
    expect((await get(tilePath('roads,water_pipes'))).status).toBe(401);
    expect((await get(tilePath('water_pipes,roads,water_pipes'))).status).toBe(401);

    const roads = await get(tilePath('roads'));
    expect(roads.status).toBe(200);
    expect(roads.headers.get('Cache-Control')).toMatch(/^public/);

    // A signed-in account below planner (single sign-on without a mapped group) gets 403.
    const db = twin.backend.db;
    const user = await db
      .insertInto('users')
      .values({ name: 'citizen', role: 'public', updated_at: new Date() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const { token } = await new TokenStore(db).create(
      db,
      { id: String(user.id), name: 'citizen' },
      't',
      { name: 'test', role: 'system' },
    );
    expect((await get(tilePath('water_pipes'), { Authorization: `Bearer ${token}` })).status).toBe(
      403,
    );
  });

  it('keeps staff layers out of the public catalogue, TileJSON, style, features and labels', async () => {
    const names = async (h?: Record<string, string>) =>
      (
        (await (await get('/tiles/catalog.json', h)).json()) as { layers: { name: string }[] }
      ).layers.map((l) => l.name);
    expect(await names()).toEqual(['buildings', 'roads', 'land_use']);
    expect(await names(planner)).toContain('power_lines');
    expect((await get('/tiles/power_lines.json')).status).toBe(401);
    expect((await get('/tiles/roads,power_lines.json')).status).toBe(401);
    expect((await get('/tiles/power_lines.json', planner)).status).toBe(200);
    const style = JSON.stringify(await (await get('/styles/city.json')).json());
    expect(style).not.toMatch(/water_|power_/);
    const pipe = await twin.backend.db
      .selectFrom('water_pipes')
      .select('id')
      .limit(1)
      .executeTakeFirstOrThrow();
    expect((await get(`/api/features/water_pipes/${pipe.id}`)).status).toBe(401);
    expect((await get(`/api/features/water_pipes/${pipe.id}`, planner)).status).toBe(200);
  });

  it('publishes and withdraws a layer by PATCH /api/layers, persisted across a restart, cache warm', async () => {
    expect((await patch('water_pipes', 'public', planner)).status).toBe(403);
    expect((await patch('water_pipes', 'nobody')).status).toBe(400);
    expect((await patch('no_such_layer', 'public')).status).toBe(404);
    const published = await patch('water_pipes', 'public');
    expect(await published.json()).toMatchObject({ name: 'water_pipes', access: 'public' });
    const open = await get(tilePath('water_pipes'));
    expect(open.status).toBe(200);

    // A second app on the same database (a restart) reads the setting back.
    const restarted = await createApp({
      backend: twin.backend,
      config: twin.config,
      log: createLogger('silent'),
    });
    expect((await restarted.app.request(tilePath('water_pipes'))).status).toBe(200);

    expect((await patch('water_pipes', 'staff')).status).toBe(200);
    // The tile is still cached from the public request above: it must not be served.
    expect((await get(tilePath('water_pipes'))).status).toBe(401);
    const layers = (await (await get('/api/layers', gis)).json()) as {
      layers: { name: string; access: string }[];
    };
    expect(layers.layers.find((l) => l.name === 'water_pipes')).toMatchObject({ access: 'staff' });
  });

  it('keeps an imported layer staff until GIS staff publish it', async () => {
    const dir = scratchDir();
    const file = writeFile(
      dir,
      'benches.geojson',
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { name: 'Bench' },
            geometry: { type: 'Point', coordinates: [lon, lat] },
          },
        ],
      }),
    );
    const job = await runImport(twin, file, { layer: 'benches' });
    expect(job.status).toBe('succeeded');
    const z16 = lonLatToTile(lon, lat, 16);
    const path = `/tiles/benches/${z16.z}/${z16.x}/${z16.y}.mvt`;
    expect((await get(path)).status).toBe(401);
    expect((await get(path, planner)).status).toBe(200);
    expect((await patch('benches', 'public')).status).toBe(200);
    expect((await get(path)).status).toBe(200);
    // A later import into the layer keeps the access GIS staff chose.
    expect((await runImport(twin, file, { layer: 'benches', mode: 'append' })).status).toBe(
      'succeeded',
    );
    expect((await get(path)).status).toBe(200);
  });

  it('shows the public traffic sensors only: lists, history, live stream and H3', async () => {
    const traffic = await demoSensor(twin.backend.db, 'traffic_speed');
    const power = await demoSensor(twin.backend.db, 'power_load');
    expect((await get(`/api/sensors/${power.external_id}/readings`)).status).toBe(401);
    expect((await get(`/api/sensors/${power.external_id}/readings`, planner)).status).toBe(200);
    expect((await get(`/api/sensors/${traffic.external_id}/readings`)).status).toBe(200);
    expect((await get('/api/alerts')).status).toBe(401);
    expect((await get('/api/maintenance')).status).toBe(401);

    const open = new SseReader(await twin.app.request('/api/live'));
    const staff = new SseReader(await twin.app.request('/api/live', { headers: planner }));
    await Promise.all([open.ready(), staff.ready()]);
    const ts = Date.now() - 1000;
    const res = await twin.app.request('/api/ingest/readings', {
      method: 'POST',
      headers: AUTH,
      body: JSON.stringify([
        { sensor: power.id, ts, value: 321 },
        { sensor: traffic.id, ts, value: 33 },
      ]),
    });
    expect(await res.json()).toMatchObject({ accepted: 2 });
    await staff.until(
      () =>
        staff.updates.some((u) => u.sensor === power.id) &&
        staff.updates.some((u) => u.sensor === traffic.id),
      'both readings',
    );
    await open.until(
      () => open.updates.some((u) => u.sensor === traffic.id),
      'the traffic reading',
    );
    expect(open.updates.filter((u) => !u.kind.startsWith('traffic_'))).toEqual([]);
    await Promise.all([open.close(), staff.close()]);

    const count = async (h?: Record<string, string>) =>
      (
        (await (await get('/api/h3?metric=readings&res=7', h)).json()) as {
          cells: { value: number }[];
        }
      ).cells.reduce((n, c) => n + c.value, 0);
    expect(await count(planner)).toBeGreaterThan(await count());
  });
});
