import { Hono, type Context, type MiddlewareHandler } from 'hono';
import type { Config } from './config';
import type { Backend } from './db/backend';
import type { Logger } from './log';
import { errorHandler, notFound } from './errors';
import { healthRoutes } from './health-routes';
import { Metrics } from './metrics';
import { tileRoutes } from './tile-routes';
import { featureRoutes } from './feature-routes';
import { labelRoutes } from './label-routes';
import { homeRoutes } from './home-routes';
import { dashboardRoutes } from './dashboard/dashboard-routes';
import { dashboardPages } from './dashboard/dashboard-pages';
import { frameAncestors } from './dashboard/frame-ancestors';
import { searchRoutes } from './search/search-routes';
import { shadowRoutes } from './shadows/shadow-routes';
import { styleRoutes } from './style-routes';
import { staticRoutes } from './static-routes';
import { LayerCatalog } from '../tiles/catalog';
import { TileService } from '../tiles/tile-service';
import { TileDiskCache } from '../tiles/tile-disk-cache';
import { join } from 'node:path';
import { SensorService } from './sensors/sensor-service';
import { sensorApps } from './sensors/sensor-apps';
import { ImpactService } from './scenarios/impact-service';
import { impactFactorRoutes, scenarioRoutes } from './scenarios/scenario-routes';
import { impactRoutes, scenarioImpactRoutes } from './scenarios/impact-routes';
import { ImportService } from './imports/import-service';
import { sweepUnattached } from './imports/building-partitions';
import { datasetRoutes } from './imports/dataset-routes';
import { loadCustomLayers } from './imports/custom-layers';
import { guard } from './auth/guard';
import { LayerSettings } from './auth/layer-access';
import { SessionStore } from './auth/session-store';
import { TokenStore } from './auth/token-store';
import { sessionRoutes } from './auth/session-routes';
import { auditRoutes, tokenRoutes, userRoutes } from './auth/account-routes';
import { oidcRoutes } from './auth/oidc';
import { layerRoutes } from './layer-routes';
import { openApiRoutes } from './openapi-routes';
import { surfaceRoutes } from './buildings/surface-routes';
import { sweepTempDirs } from './imports/temp-files';
import { ExportService } from './exports/export-service';
import { datasetExportRoutes, layerExportRoutes } from './exports/export-routes';
import { ogcRoutes } from './ogc/ogc-routes';
import { ogcTileRoutes } from './ogc/ogc-tile-routes';
import { cameraRoutes } from './cameras/camera-routes';
import { ClientIdentity } from './limits/client-identity';
import { requestBody } from './limits/request-body';
import { RateLimiter, rateLimit } from './limits/rate-limiter';
import { SseSlots } from './limits/sse-slots';
import { securityHeaders } from './limits/security-headers';
import { SignInThrottle } from './auth/sign-in-throttle';
import { matchedPolicyKeys } from './auth/guard';
import { tileFastPath, TILE_ROUTE, type FastPath } from './tile-fast-path';

export interface AppDeps {
  backend: Backend;
  config: Config;
  log: Logger;
}

export interface Twin {
  app: Hono;
  tiles: TileService;
  metrics: Metrics;
  /** Live sensors (issue #4); `startSensorRuntime` starts MQTT, the broker and the simulator. */
  sensors: SensorService;
  /** Data imports (issue #6). */
  imports: ImportService;
  /** Accounts (issue #9). */
  auth: { sessions: SessionStore; tokens: TokenStore; layers: LayerSettings };
  /** Scenario impacts in worker threads (issues #10, #11); `close()` stops the workers. */
  impacts: ImpactService;
  /** Open server-sent event streams (issue #10). */
  sse: SseSlots;
  /** Public tiles answered before the Hono app (issue #14): pass to `serve()` via `createServerWith`. */
  fastTiles: FastPath;
}

declare module 'hono' {
  interface ContextVariableMap {
    sseCounted: boolean;
  }
}

/**
 * Builds the HTTP app on an open, migrated database. Each resource is a sub-app, so an
 * authorization check can wrap any of them.
 */
export async function createApp({ backend, config, log }: AppDeps): Promise<Twin> {
  const meta = await backend.db
    .selectFrom('twin_meta')
    .select('instance_id')
    .executeTakeFirstOrThrow();
  const metrics = new Metrics();
  // The embedded database answers one query at a time: keep what it built across restarts, in
  // its own directory (so the files always belong to that database).
  const disk =
    backend.kind === 'pglite' && backend.dataDir && config.tiles.diskCacheBytes > 0
      ? new TileDiskCache(join(backend.dataDir, 'tile-cache'), config.tiles.diskCacheBytes)
      : undefined;
  void disk?.prune();
  const tiles = new TileService({
    db: backend.tileDb,
    replicaDb: backend.replicas ? backend.readTileDb : undefined,
    catalog: new LayerCatalog(),
    useMvt: backend.caps.mvt,
    cacheBytes: config.tiles.cacheBytes,
    maxFeatures: config.tiles.maxFeatures,
    instanceId: meta.instance_id,
    observer: metrics,
    signals: { listen: backend.listen, onWrite: backend.onWrite },
    disk,
  });

  await loadCustomLayers(backend.db, tiles.catalog);
  const imports = new ImportService({
    backend,
    catalog: tiles.catalog,
    limits: config.imports,
    leaseS: config.imports.leaseS,
    concurrency: config.imports.concurrency,
    maxQueued: config.imports.maxQueued,
    onError: (err, job) => log.error({ err, job }, 'import failed'),
  });
  const interrupted = await imports.recoverInterrupted();
  if (interrupted > 0)
    log.warn({ interrupted }, 'import jobs whose owner stopped (lease expired) marked failed');
  if (backend.kind === 'postgres') {
    const tables = await backend.scriptTransaction(sweepUnattached);
    if (tables > 0) log.info({ tables }, 'buildings tables of interrupted imports dropped');
  }
  const swept = await sweepTempDirs();
  if (swept > 0) log.info({ swept }, 'temporary files of stopped imports removed');

  const sessions = new SessionStore(backend.db, config.auth.sessionTtlS);
  const tokens = new TokenStore(backend.db);
  const layerSettings = new LayerSettings(backend.db, tiles.catalog);
  await layerSettings.load();
  const sensors = new SensorService(backend, config, log);
  const publicOrigin = config.auth.publicUrl ? new URL(config.auth.publicUrl).origin : undefined;

  const identity = new ClientIdentity(config.limits.trustedProxies, config.auth.publicUrl);
  const limits = config.limits;
  const app = new Hono();
  app.use(metrics.middleware());
  app.use(frameAncestors(config));
  app.use(securityHeaders(identity));
  app.onError(errorHandler(log));
  app.notFound(notFound);
  // Picks up another instance's layer access changes (a background read every few seconds).
  const refreshLayerAccess = () =>
    layerSettings.refreshSoon((err) => log.warn({ err }, 'layer settings: reload failed'));
  app.use(async function refreshOnRequest(_c, next) {
    refreshLayerAccess();
    await next();
  });

  // Issue #9: every sub-app is mounted behind the one authorization guard (server/auth/),
  // which checks the matched route against the policy table before any handler runs.
  const authorize = guard({
    sessions,
    tokens,
    verifyIngestKey: (key) => sensors.keys.verify(key),
    metricsToken: config.auth.metricsToken,
    publicOrigin,
    log,
  });
  // Issue #10: every body bounded while it streams, JSON checked once for every route.
  const checkBody = requestBody({
    maxBytes: limits.maxBodyBytes,
    jsonMaxDepth: limits.jsonMaxDepth,
    jsonMaxString: limits.jsonMaxString,
    own: [
      { method: 'POST', path: /^\/api\/datasets(\/preview)?\/?$/ },
      // Camera frames are images under their own streamed cap (TWIN_CAMERA_MAX_FRAME_KB, issue #17).
      { method: 'POST', path: /^\/api\/cameras\/[^/]+\/frames\/?$/ },
      {
        method: 'POST',
        path: /^\/api\/ingest\/readings\/?$/,
        maxBytes: config.sensors.maxBatch * 512,
        anyType: true,
      },
    ],
  });
  const limiter = new RateLimiter(limits.rate);
  const limitRate = rateLimit(limiter, identity);
  const sse = new SseSlots(limits.ssePerClient, limits.sseTotal);
  const SSE_ROUTES = new Set(['GET /api/live', 'GET /api/datasets/:id/events']);
  const sseCap = sse.middleware(identity);
  const capStreams: MiddlewareHandler = async function capEventStreams(c, next) {
    if (c.get('sseCounted')) return next();
    c.set('sseCounted', true);
    return matchedPolicyKeys(c).some((k) => SSE_ROUTES.has(k)) ? sseCap(c, next) : next();
  };
  // Sub-apps differ in their Env (bindings); mounting only reads their routes.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const mount = (path: string, sub: Hono<any, any, any>) => {
    const pattern = path === '/' ? '*' : `${path}/*`;
    app.use(pattern, authorize, limitRate, checkBody, capStreams);
    app.route(path, sub);
  };
  mount('/', healthRoutes(backend, metrics, tiles));
  const origin = (c: Context) => identity.origin(c);
  mount(
    '/tiles',
    tileRoutes({
      tiles,
      db: backend.db,
      readDb: backend.readDb,
      maxAgeS: config.tiles.maxAgeS,
      origin,
    }),
  );
  mount('/styles', styleRoutes({ catalog: tiles.catalog, origin }));
  // Reads that may lag a moment go to a read replica when DATABASE_READ_URL names one (issue #16).
  mount('/api/features', featureRoutes({ db: backend.readDb, catalog: tiles.catalog }));
  mount('/api/labels', labelRoutes({ db: backend.readDb, catalog: tiles.catalog }));
  mount('/api/home', homeRoutes({ db: backend.db, config, versions: tiles.versions }));
  mount('/api/layers', layerRoutes({ catalog: tiles.catalog, settings: layerSettings }));
  for (const [path, sub] of sensorApps(sensors)) mount(path, sub);
  mount(
    '/api/cameras',
    cameraRoutes({
      backend,
      config: config.cameras,
      maxFutureS: config.sensors.maxFutureS,
      bus: () => sensors.frames.bus,
    }),
  );
  const impacts = new ImpactService(backend.db, { ...config.impact, log });
  // Issue #16: with NATS_URL, impact jobs are a JetStream work queue shared by the instances.
  if (config.sensors.natsUrl) await impacts.startQueue(config.sensors.natsUrl);
  const exports = new ExportService({
    db: backend.db,
    maxFeatures: config.imports.exportMaxFeatures,
    concurrency: config.imports.exportConcurrency,
  });
  mount('/api/scenarios', scenarioRoutes({ db: backend.db, impacts, exports }));
  mount('/api/scenarios', scenarioImpactRoutes({ db: backend.db, impacts }));
  mount('/api/impact', impactRoutes({ impacts }));
  mount('/api/impact-factors', impactFactorRoutes({ db: backend.db }));
  mount(
    '/api/datasets',
    datasetRoutes({
      db: backend.db,
      imports,
      limits: config.imports,
      backend,
      previewConcurrency: config.imports.previewConcurrency,
    }),
  );
  mount('/api/datasets', datasetExportRoutes({ db: backend.db, catalog: tiles.catalog, exports }));
  mount('/api/buildings', surfaceRoutes({ db: backend.db, catalog: tiles.catalog }));
  mount('/api/layers', layerExportRoutes({ db: backend.db, catalog: tiles.catalog, exports }));
  const secureCookies = config.auth.secureCookies;
  mount(
    '/api/session',
    sessionRoutes({
      db: backend.db,
      sessions,
      secureCookies,
      oidc: Boolean(config.auth.oidc),
      throttle: new SignInThrottle(limits.signInFailures),
    }),
  );
  if (config.auth.oidc) {
    mount(
      '/auth/oidc',
      oidcRoutes({
        db: backend.db,
        config: config.auth.oidc,
        sessions,
        publicOrigin,
        secureCookies,
        log,
      }),
    );
  }
  mount('/api/tokens', tokenRoutes({ db: backend.db, tokens }));
  mount('/api/users', userRoutes({ db: backend.db, sessions, tokens }));
  mount('/api/audit', auditRoutes({ db: backend.db }));
  mount('/api/dashboard', dashboardRoutes({ db: backend.db, impacts }));
  mount('/api/search', searchRoutes({ db: backend.db, catalog: tiles.catalog }));
  mount('/api/shadows', shadowRoutes({ db: backend.db, catalog: tiles.catalog }));
  // OGC API – Features and Tiles for GIS clients (QGIS, ArcGIS, GDAL), issue #15.
  mount('/ogc', ogcRoutes({ db: backend.readDb, tiles }, config.auth.publicUrl));
  mount(
    '/ogc',
    ogcTileRoutes(
      { db: backend.readDb, tiles, maxAgeS: config.tiles.maxAgeS },
      config.auth.publicUrl,
    ),
  );
  mount(
    '/api',
    openApiRoutes(() => app),
  );
  mount('/', dashboardPages({ db: backend.db }));
  mount('/', staticRoutes()); // last: the web app answers only what no API route did
  return {
    app,
    tiles,
    metrics,
    sensors,
    imports,
    impacts,
    sse,
    auth: { sessions, tokens, layers: layerSettings },
    fastTiles: tileFastPath({
      tiles,
      maxAgeS: config.tiles.maxAgeS,
      https: (req) =>
        identity.httpsOf(
          req.socket.remoteAddress ?? 'local',
          req.headers['x-forwarded-proto'] as string | undefined,
          false,
        ),
      count: (status) => metrics.countRequest('GET', TILE_ROUTE, status),
      onRequest: refreshLayerAccess,
    }),
  };
}
