import { sql } from 'kysely';
import { PNG } from 'pngjs';
import { storeFrame } from '../../server/cameras/frame-store';
import { registerSensors } from '../../server/sensors/sensor-queries';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { TokenStore } from '../../server/auth/token-store';
import { findUser } from '../../server/auth/user-store';
import { lonLatToTile } from '../../tiles/tile-coords';
import { TEST_PASSWORD, ensureUser } from '../support/auth';
import type { TestTwin } from '../support/twin';
import { square } from '../support/requests';

/** The callers of the authorization matrix (issue #9). */
export const PRINCIPALS = ['anonymous', 'plannerA', 'plannerB', 'gis', 'admin', 'ingest'] as const;
export type Who = (typeof PRINCIPALS)[number];

/** Account names of the matrix's users. */
export const USERS = {
  plannerA: 'matrix-a',
  plannerB: 'matrix-b',
  gis: 'matrix-gis',
  admin: 'matrix-admin',
} as const;
export const INGEST_KEY = 'matrix-ingest-key-0123456789';

/**
 * What a sample touches beyond the route's role:
 * - `staff`: a staff layer, a utility sensor (anonymous: 401; every account here is staff);
 * - `draftA`: planner A's unshared draft (A and admin may; anyone else: 404, or 401 when the
 *   route itself needs an account);
 * - `static`: the web app's files: allowed means "not refused" (a file may be missing: 404).
 */
export type Resource = 'none' | 'staff' | 'draftA' | 'static';

export interface Sample {
  path: string;
  init?: RequestInit;
  resource?: Resource;
}

export interface SampleContext {
  twin: TestTwin;
  who: Who;
  /** A fresh draft of planner A with one edit. */
  draftOfA(): Promise<{ id: string; editId: string }>;
  /** A unique suffix. */
  unique(): string;
  fixtures: MatrixFixtures;
}

export interface MatrixFixtures {
  tile: { z: number; x: number; y: number };
  pipeId: string;
  utilitySensor: string;
  importJob: string;
  /** The dataset the import job made. */
  datasetId: string;
  site: [number, number];
  /** A camera with staff-only frames and one frame (issue #17). */
  camera: { id: string; frameTs: string };
}

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

/** An upload form of a one-point GeoJSON for `layer` (POST /api/datasets), with `extra` fields. */
export const upload = (layer: string, extra: Record<string, string> = {}) => {
  const f = new FormData();
  f.append('layer', layer);
  for (const [k, v] of Object.entries(extra)) f.append(k, v);
  const fc = {
    type: 'FeatureCollection',
    features: [
      {
        type: 'Feature',
        properties: { name: 'p' },
        geometry: { type: 'Point', coordinates: [5.1214, 52.0907] },
      },
    ],
  };
  f.append('file', new Blob([JSON.stringify(fc)]), 'points.geojson');
  return f;
};

/**
 * One sample request per registered route, keyed as in the policy table. A route the app
 * registers without a sample here fails the matrix test: add one with the route.
 */
export const SAMPLES: Record<string, (ctx: SampleContext) => Promise<Sample>> = {
  'GET /healthz': async () => ({ path: '/healthz' }),
  'GET /metrics': async () => ({ path: '/metrics' }),
  'GET /tiles/catalog.json': async () => ({ path: '/tiles/catalog.json' }),
  'GET /tiles/:file': async () => ({ path: '/tiles/water_pipes.json', resource: 'staff' }),
  'GET /tiles/:layers/:z/:x/:y': async ({ fixtures: { tile } }) => ({
    path: `/tiles/roads,water_pipes/${tile.z}/${tile.x}/${tile.y}.mvt`,
    resource: 'staff',
  }),
  'GET /styles/:file': async () => ({ path: '/styles/city.json' }),
  'GET /api/features/:layer/:id': async ({ fixtures }) => ({
    path: `/api/features/water_pipes/${fixtures.pipeId}`,
    resource: 'staff',
  }),
  'GET /api/labels': async () => ({
    path: `/api/labels?bbox=${DEFAULT_DEMO_CENTER[0] - 0.01},${DEFAULT_DEMO_CENTER[1] - 0.01},${DEFAULT_DEMO_CENTER[0] + 0.01},${DEFAULT_DEMO_CENTER[1] + 0.01}&zoom=15`,
  }),
  'GET /api/layers': async () => ({ path: '/api/layers' }),
  'PATCH /api/layers/:name': async () => ({
    path: '/api/layers/land_use',
    init: json('PATCH', { access: 'public' }),
  }),

  'POST /api/ingest/readings': async () => ({
    path: '/api/ingest/readings',
    init: { method: 'POST', body: '[]' },
  }),
  'GET /api/sensors': async () => ({ path: '/api/sensors?limit=10' }),
  'POST /api/sensors': async ({ unique }) => ({
    path: '/api/sensors',
    init: json('POST', {
      external_id: `matrix-${unique()}`,
      kind: 'traffic_speed',
      unit: 'km/h',
      location: DEFAULT_DEMO_CENTER,
    }),
  }),
  'GET /api/sensors/:id/readings': async ({ fixtures }) => ({
    path: `/api/sensors/${fixtures.utilitySensor}/readings`,
    resource: 'staff',
  }),
  'GET /api/live': async () => ({ path: '/api/live' }),
  'GET /api/h3': async () => ({ path: '/api/h3?metric=readings&res=7' }),
  'GET /api/alerts': async () => ({ path: '/api/alerts' }),
  'GET /api/maintenance': async () => ({ path: '/api/maintenance' }),

  'GET /api/cameras': async () => ({ path: '/api/cameras' }),
  // Keeps the camera staff-only, so the frame samples below stay `staff`.
  'PATCH /api/cameras/:id': async ({ fixtures }) => ({
    path: `/api/cameras/${fixtures.camera.id}`,
    init: json('PATCH', { frames_public: false }),
  }),
  'POST /api/cameras/:id/frames': async ({ fixtures }) => ({
    path: `/api/cameras/${fixtures.camera.id}/frames`,
    init: {
      method: 'POST',
      headers: { 'Content-Type': 'image/png' },
      body: TINY_PNG as Uint8Array<ArrayBuffer>,
    },
  }),
  'GET /api/cameras/:id/frames': async ({ fixtures }) => ({
    path: `/api/cameras/${fixtures.camera.id}/frames`,
    resource: 'staff',
  }),
  'GET /api/cameras/:id/frames/:ts': async ({ fixtures }) => ({
    path: `/api/cameras/${fixtures.camera.id}/frames/${fixtures.camera.frameTs}`,
    resource: 'staff',
  }),
  'GET /api/cameras/:id/frame': async ({ fixtures }) => ({
    path: `/api/cameras/${fixtures.camera.id}/frame`,
    resource: 'staff',
  }),

  'GET /api/scenarios': async () => ({ path: '/api/scenarios' }),
  'POST /api/scenarios': async () => ({
    path: '/api/scenarios',
    init: json('POST', { name: 'Matrix' }),
  }),
  'GET /api/scenarios/:id': async ({ draftOfA }) => ({
    path: `/api/scenarios/${(await draftOfA()).id}`,
    resource: 'draftA',
  }),
  'PATCH /api/scenarios/:id': async ({ draftOfA }) => ({
    path: `/api/scenarios/${(await draftOfA()).id}`,
    init: json('PATCH', { description: 'changed' }),
    resource: 'draftA',
  }),
  'DELETE /api/scenarios/:id': async ({ draftOfA }) => ({
    path: `/api/scenarios/${(await draftOfA()).id}`,
    init: { method: 'DELETE' },
    resource: 'draftA',
  }),
  'POST /api/scenarios/:id/duplicate': async ({ draftOfA }) => ({
    path: `/api/scenarios/${(await draftOfA()).id}/duplicate`,
    init: json('POST', {}),
    resource: 'draftA',
  }),
  'GET /api/scenarios/:id/edits': async ({ draftOfA }) => ({
    path: `/api/scenarios/${(await draftOfA()).id}/edits`,
    resource: 'draftA',
  }),
  'POST /api/scenarios/:id/edits': async ({ draftOfA, fixtures }) => ({
    path: `/api/scenarios/${(await draftOfA()).id}/edits`,
    init: json('POST', {
      kind: 'add_building',
      geometry: square(...fixtures.site),
      floors: 3,
      use: 'office',
    }),
    resource: 'draftA',
  }),
  'PUT /api/scenarios/:id/edits/:editId': async ({ draftOfA, fixtures }) => {
    const d = await draftOfA();
    return {
      path: `/api/scenarios/${d.id}/edits/${d.editId}`,
      init: json('PUT', {
        kind: 'add_building',
        geometry: square(...fixtures.site),
        floors: 4,
        use: 'office',
      }),
      resource: 'draftA',
    };
  },
  'PATCH /api/scenarios/:id/edits/:editId': async ({ draftOfA, fixtures }) => {
    const d = await draftOfA();
    return {
      path: `/api/scenarios/${d.id}/edits/${d.editId}`,
      init: json('PATCH', {
        kind: 'add_building',
        geometry: square(...fixtures.site),
        floors: 5,
        use: 'office',
      }),
      resource: 'draftA',
    };
  },
  'DELETE /api/scenarios/:id/edits/:editId': async ({ draftOfA }) => {
    const d = await draftOfA();
    return {
      path: `/api/scenarios/${d.id}/edits/${d.editId}`,
      init: { method: 'DELETE' },
      resource: 'draftA',
    };
  },
  'GET /api/scenarios/:id/impact': async ({ draftOfA }) => ({
    path: `/api/scenarios/${(await draftOfA()).id}/impact`,
    resource: 'draftA',
  }),
  'GET /api/scenarios/:id/impact/layers/:layer': async ({ draftOfA }) => ({
    path: `/api/scenarios/${(await draftOfA()).id}/impact/layers/traffic.geojson`,
    resource: 'draftA',
  }),
  'GET /api/scenarios/:id/export': async ({ draftOfA }) => ({
    path: `/api/scenarios/${(await draftOfA()).id}/export?format=geojson`,
    resource: 'draftA',
  }),
  'GET /api/scenarios/:id/shares': async ({ draftOfA }) => ({
    path: `/api/scenarios/${(await draftOfA()).id}/shares`,
    resource: 'draftA',
  }),
  'PUT /api/scenarios/:id/shares': async ({ draftOfA }) => ({
    path: `/api/scenarios/${(await draftOfA()).id}/shares`,
    init: json('PUT', { shares: [{ user: USERS.gis, access: 'read' }] }),
    resource: 'draftA',
  }),
  'GET /api/impact/calibration': async () => ({ path: '/api/impact/calibration' }),
  'GET /api/impact-factors': async () => ({ path: '/api/impact-factors' }),

  'GET /api/dashboard': async () => ({ path: '/api/dashboard' }),
  'GET /api/home': async () => ({ path: '/api/home' }),
  'GET /api/search': async () => ({ path: '/api/search?q=King' }),
  'GET /api/shadows': async ({ fixtures }) => ({
    path: `/api/shadows?at=2026-06-21T10:00:00Z&bbox=${fixtures.site[0] - 0.003},${fixtures.site[1] - 0.002},${fixtures.site[0] + 0.003},${fixtures.site[1] + 0.002}`,
  }),
  'GET /api/readings/range': async () => ({ path: '/api/readings/range' }),
  'GET /dashboard': async () => ({ path: '/dashboard', resource: 'static' }),
  'GET /embed/map': async () => ({ path: '/embed/map', resource: 'static' }),
  'GET /embed/kpi/:key': async () => ({
    path: '/embed/kpi/traffic_congestion',
    resource: 'static',
  }),
  'GET /embed/chart/:key': async () => ({ path: '/embed/chart/congestion', resource: 'static' }),
  'GET /embed/scenario/:id': async ({ draftOfA }) => ({
    path: `/embed/scenario/${(await draftOfA()).id}`,
    resource: 'static',
  }),
  'PUT /api/impact-factors/:key': async () => ({
    path: '/api/impact-factors/residential.dwelling_size_m2',
    init: json('PUT', { value: 75 }),
  }),

  'POST /api/datasets/preview': async () => ({
    path: '/api/datasets/preview',
    init: { method: 'POST', body: upload('matrix_points') },
  }),
  'POST /api/datasets': async () => ({
    path: '/api/datasets',
    init: { method: 'POST', body: upload('matrix_points', { mode: 'append' }) },
  }),
  'GET /api/datasets': async () => ({ path: '/api/datasets' }),
  'GET /api/datasets/:id': async ({ fixtures }) => ({
    path: `/api/datasets/${fixtures.importJob}`,
  }),
  'GET /api/datasets/:id/events': async ({ fixtures }) => ({
    path: `/api/datasets/${fixtures.importJob}/events`,
  }),
  'GET /api/datasets/:id/report': async ({ fixtures }) => ({
    path: `/api/datasets/${fixtures.importJob}/report`,
  }),
  'GET /api/datasets/:id{[0-9]+}/export': async ({ fixtures }) => ({
    path: `/api/datasets/${fixtures.datasetId}/export?format=geojson`,
  }),
  'DELETE /api/datasets/:id{[0-9]+}': async ({ twin, unique }) => {
    // A fresh dataset each time: the one a caller deletes is gone for the next.
    const ds = await twin.backend.db
      .insertInto('datasets')
      .values({ name: `matrix-delete-${unique()}`, source: 'test', licence: 'CC0-1.0' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { path: `/api/datasets/${ds.id}`, init: { method: 'DELETE' } };
  },
  'GET /api/layers/:name/export': async () => ({
    path: '/api/layers/water_pipes/export?format=geojson&bbox=5.12,52.09,5.125,52.093',
    resource: 'staff',
  }),
  'GET /ogc': async () => ({ path: '/ogc' }),
  'GET /ogc/conformance': async () => ({ path: '/ogc/conformance' }),
  'GET /ogc/collections': async () => ({ path: '/ogc/collections' }),
  'GET /ogc/collections/:collectionId': async () => ({
    path: '/ogc/collections/water_pipes',
    resource: 'staff',
  }),
  'GET /ogc/collections/:collectionId/items': async () => ({
    path: '/ogc/collections/water_pipes/items?limit=2',
    resource: 'staff',
  }),
  'GET /ogc/collections/:collectionId/items/:featureId': async ({ fixtures }) => ({
    path: `/ogc/collections/water_pipes/items/${fixtures.pipeId}`,
    resource: 'staff',
  }),
  'GET /ogc/collections/:collectionId/tiles': async () => ({
    path: '/ogc/collections/water_pipes/tiles',
    resource: 'staff',
  }),
  'GET /ogc/collections/:collectionId/tiles/:tileMatrixSetId': async () => ({
    path: '/ogc/collections/water_pipes/tiles/WebMercatorQuad',
    resource: 'staff',
  }),
  'GET /ogc/collections/:collectionId/tiles/:tileMatrixSetId/:tileMatrix/:tileRow/:tileCol':
    async ({ fixtures: { tile } }) => ({
      path: `/ogc/collections/water_pipes/tiles/WebMercatorQuad/${tile.z}/${tile.y}/${tile.x}`,
      resource: 'staff',
    }),
  'GET /ogc/tileMatrixSets': async () => ({ path: '/ogc/tileMatrixSets' }),
  'GET /ogc/tileMatrixSets/:tileMatrixSetId': async () => ({
    path: '/ogc/tileMatrixSets/WebMercatorQuad',
  }),
  'GET /api/buildings/surfaces': async () => ({
    path: '/api/buildings/surfaces?bbox=5.12,52.09,5.125,52.093',
  }),

  'GET /api/session': async () => ({ path: '/api/session' }),
  'POST /api/session': async () => ({
    path: '/api/session',
    init: json('POST', { username: USERS.plannerA, password: TEST_PASSWORD }),
  }),
  'DELETE /api/session': async () => ({ path: '/api/session', init: { method: 'DELETE' } }),
  'GET /api/tokens': async () => ({ path: '/api/tokens' }),
  'POST /api/tokens': async () => ({ path: '/api/tokens', init: json('POST', { name: 'matrix' }) }),
  'DELETE /api/tokens/:id': async ({ twin, who }) => {
    // The caller's own token (an anonymous caller or a key: planner A's).
    const name = who in USERS ? USERS[who as keyof typeof USERS] : USERS.plannerA;
    const user = (await findUser(twin.backend.db, name))!;
    const { view } = await new TokenStore(twin.backend.db).create(
      twin.backend.db,
      { id: String(user.id), name },
      'to revoke',
      { name: 'test', role: 'system' },
    );
    return { path: `/api/tokens/${view.id}`, init: { method: 'DELETE' } };
  },
  'GET /api/users': async () => ({ path: '/api/users' }),
  'POST /api/users': async ({ unique }) => ({
    path: '/api/users',
    init: json('POST', { name: `matrix-new-${unique()}`, role: 'planner' }),
  }),
  'PATCH /api/users/:name': async ({ twin, unique }) => {
    const name = `matrix-patch-${unique()}`;
    await ensureUser(twin.backend.db, name, 'planner');
    return { path: `/api/users/${name}`, init: json('PATCH', { role: 'gis' }) };
  },
  'DELETE /api/users/:name': async ({ twin, unique }) => {
    const name = `matrix-gone-${unique()}`;
    await ensureUser(twin.backend.db, name, 'planner');
    return { path: `/api/users/${name}`, init: { method: 'DELETE' } };
  },
  'GET /api/users/directory': async () => ({ path: '/api/users/directory' }),
  'GET /api/audit': async () => ({ path: '/api/audit?limit=5' }),

  'GET /api/openapi.json': async () => ({ path: '/api/openapi.json' }),
  'GET /api/docs': async () => ({ path: '/api/docs' }),
  'GET /api/docs/:file': async () => ({ path: '/api/docs/swagger-ui.css' }),
  'GET /': async () => ({ path: '/', resource: 'static' }),
  'GET /*': async () => ({ path: '/assets/matrix.js', resource: 'static' }),
};

/** A 2 × 2 PNG (pngjs): a real image for the frame upload sample. */
const TINY_PNG = new Uint8Array(PNG.sync.write(new PNG({ width: 2, height: 2 })));

/** The fixtures every sample may use, found in (or added to) the demo city. */
export async function matrixFixtures(
  twin: TestTwin,
  runImport: () => Promise<string>,
): Promise<MatrixFixtures> {
  const db = twin.backend.db;
  const [lon, lat] = DEFAULT_DEMO_CENTER;
  const tile = lonLatToTile(lon, lat, 15);
  const pipe = await db
    .selectFrom('water_pipes')
    .select('id')
    .orderBy('id')
    .limit(1)
    .executeTakeFirstOrThrow();
  const sensor = await db
    .selectFrom('sensors')
    .select('external_id')
    .where('kind', '=', 'power_load')
    .limit(1)
    .executeTakeFirstOrThrow();
  const importJob = await runImport();
  await registerSensors(db, [
    {
      external_id: 'matrix-camera',
      kind: 'camera',
      location: [lon, lat],
      camera: { heading: 0, fov: 90 },
    },
  ]);
  const camera = String(
    (
      await db
        .selectFrom('sensors')
        .select('id')
        .where('external_id', '=', 'matrix-camera')
        .executeTakeFirstOrThrow()
    ).id,
  );
  const frameTs = new Date(Date.now() - 60_000);
  await storeFrame(
    db,
    {
      cameraId: camera,
      ts: frameTs,
      contentType: 'image/png',
      image: TINY_PNG,
      framesPublic: false,
    },
    { retentionH: 24, budgetBytes: 1 << 20 },
  );
  const { rows } = await sql<{ lon: number; lat: number }>`
    SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
      SELECT ST_Transform(n.geom, 4326) AS p FROM road_nodes n
      WHERE NOT EXISTS (SELECT 1 FROM buildings b WHERE ST_DWithin(b.geom, n.geom, 40))
      ORDER BY n.geom <-> ST_Transform(ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), 3857) LIMIT 1) q`.execute(
    db,
  );
  return {
    tile,
    pipeId: String(pipe.id),
    utilitySensor: sensor.external_id,
    importJob,
    datasetId: String(
      (
        await db
          .selectFrom('import_jobs')
          .select('dataset_id')
          .where('id', '=', importJob)
          .executeTakeFirstOrThrow()
      ).dataset_id,
    ),
    site: [Number(rows[0]!.lon), Number(rows[0]!.lat)],
    camera: { id: camera, frameTs: frameTs.toISOString() },
  };
}
