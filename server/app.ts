import { Hono } from 'hono';
import type { Config } from './config';
import type { Backend } from './db/backend';
import type { Logger } from './log';
import { errorHandler, notFound } from './errors';
import { healthRoutes } from './health-routes';
import { Metrics } from './metrics';
import { tileRoutes } from './tile-routes';
import { LayerCatalog } from '../tiles/catalog';
import { TileService } from '../tiles/tile-service';

export interface AppDeps {
  backend: Backend;
  config: Config;
  log: Logger;
}

export interface Twin {
  app: Hono;
  tiles: TileService;
  metrics: Metrics;
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
    catalog: new LayerCatalog(),
    useMvt: backend.caps.mvt,
    cacheBytes: config.tiles.cacheBytes,
    maxFeatures: config.tiles.maxFeatures,
    instanceId: meta.instance_id,
    observer: metrics,
  });

  const app = new Hono();
  app.use(metrics.middleware());
  app.onError(errorHandler(log));
  app.notFound(notFound);
  app.route('/', healthRoutes(backend, metrics, tiles));
  app.route('/tiles', tileRoutes({ tiles, db: backend.db, maxAgeS: config.tiles.maxAgeS }));
  return { app, tiles, metrics };
}
