import { Hono } from 'hono';
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
import { SensorService } from './sensors/sensor-service';
import { sensorApps } from './sensors/sensor-apps';
import { ImpactService } from './scenarios/impact-service';
import { impactFactorRoutes, scenarioRoutes } from './scenarios/scenario-routes';
import { ImportService } from './imports/import-service';
import { datasetRoutes } from './imports/dataset-routes';
import { loadCustomLayers } from './imports/custom-layers';

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
  const tiles = new TileService({
    db: backend.tileDb,
    query: (q) => backend.tileQuery(q),
    catalog: new LayerCatalog(),
    useMvt: backend.caps.mvt,
    cacheBytes: config.tiles.cacheBytes,
    maxFeatures: config.tiles.maxFeatures,
    instanceId: meta.instance_id,
    observer: metrics,
  });

  await loadCustomLayers(backend.db, tiles.catalog);
  const imports = new ImportService({
    backend,
    catalog: tiles.catalog,
    limits: config.imports,
    onError: (err, job) => log.error({ err, job }, 'import failed'),
  });
  const interrupted = await imports.recoverInterrupted();
  if (interrupted > 0) log.warn({ interrupted }, 'import jobs interrupted by a restart marked failed');

  const app = new Hono();
  app.use(metrics.middleware());
  app.use(frameAncestors(config));
  app.onError(errorHandler(log));
  app.notFound(notFound);
  app.route('/', healthRoutes(backend, metrics, tiles));
  app.route('/tiles', tileRoutes({ tiles, db: backend.db, maxAgeS: config.tiles.maxAgeS }));
  app.route('/styles', styleRoutes({ catalog: tiles.catalog }));
  app.route('/api/features', featureRoutes({ db: backend.db, catalog: tiles.catalog }));
  app.route('/api/labels', labelRoutes({ db: backend.db, catalog: tiles.catalog }));
  app.route('/api/home', homeRoutes({ db: backend.db, config, versions: tiles.versions }));
  const sensors = new SensorService(backend, config, log);
  for (const [path, sub] of sensorApps(sensors)) app.route(path, sub);
  const impacts = new ImpactService(backend.db);
  app.route('/api/scenarios', scenarioRoutes({ db: backend.db, impacts }));
  app.route('/api/impact-factors', impactFactorRoutes({ db: backend.db }));
  app.route('/api/datasets', datasetRoutes({ db: backend.db, imports, limits: config.imports }));
  app.route('/api/dashboard', dashboardRoutes({ db: backend.db }));
  app.route('/api/search', searchRoutes({ db: backend.db }));
  app.route('/api/shadows', shadowRoutes({ db: backend.db }));
  app.route('/', dashboardPages());
  app.route('/', staticRoutes()); // last: the web app answers only what no API route did
  return { app, tiles, metrics, sensors, imports };
}
