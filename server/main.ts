import { serve } from '@hono/node-server';
import { ConfigError, loadConfig } from './config';
import { createLogger } from './log';
import { createApp } from './app';
import { createServerWith } from './tile-fast-path';
import { prepareDatabase } from './startup';
import { startSensorRuntime } from './sensors/sensor-runtime';
import { ensureFirstAdmin } from './auth/first-start';
import { homeViewTiles } from '../tiles/home-view';
import { registerDemoCameras } from './cameras/demo-cameras';
import { startCameraRuntime } from './cameras/camera-runtime';
import { warmParseWorkers } from './imports/parse-in-worker';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  let seeded = false;
  const backend = await prepareDatabase(config, log, { onSeeded: () => (seeded = true) });
  await ensureFirstAdmin(backend.db, config, log);
  const { app, sensors, tiles, impacts, fastTiles } = await createApp({ backend, config, log });
  if (tiles.disk) {
    // The embedded database: build the opening view's tiles now, so the first visit (and every
    // visit after a restart) is served from disk. Right after seeding, before listening; on
    // later starts only what is missing (a changed layer), in the background.
    const warm = async () => {
      const started = Date.now();
      const built = await tiles.warm(await homeViewTiles(backend.db, tiles.catalog));
      if (built > 0)
        log.info({ built, seconds: (Date.now() - started) / 1000 }, 'home view tiles built');
    };
    if (seeded) await warm();
    else void warm().catch((err: unknown) => log.warn({ err }, 'home view tiles not built'));
  }
  // Issue #17: the demo's cameras and their counts sensors, before the simulator picks its sensors.
  const demoCameras = config.demo.enabled && config.sensors.simulator;
  if (demoCameras) {
    const made = await registerDemoCameras(backend.db);
    if (made > 0) log.info({ cameras: made }, 'demo traffic cameras registered');
  }
  await startSensorRuntime(sensors, {
    world: () => impacts.demoWorld(config.demo.seed),
    backfillPeak: true,
  });
  await startCameraRuntime(sensors, config.cameras, { simulator: demoCameras });

  const server = serve(
    {
      fetch: app.fetch,
      port: config.port,
      hostname: config.host,
      createServer: createServerWith(fastTiles),
    },
    (info) => {
      const host = config.host === '0.0.0.0' ? 'localhost' : config.host;
      log.info(`city twin listening on http://${host}:${info.port}`);
      // The first import or preview finds its parser booted (≈ 0.5 s of module loading).
      warmParseWorkers();
    },
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Live streams (SSE) never end on their own: close idle and streaming connections too.
    setTimeout(
      () => (server as { closeAllConnections?: () => void }).closeAllConnections?.(),
      1000,
    ).unref();
    server.close(() => {
      sensors
        .stop()
        .then(() => impacts.close())
        .then(() => backend.close())
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    });
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`city twin failed to start: ${(error as Error).message}`);
  process.exit(1);
});
