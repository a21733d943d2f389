import type { Config } from './config';
import { openBackend, type Backend } from './db/backend';
import { migrate } from './db/migrate';
import type { Logger } from './log';
import { seedDemoCity } from '../data/seed-demo';
import { registerDemoSensors } from '../data/demo-sensors';

export interface PrepareOptions {
  /** Called when this start seeded the demo city into an empty database. */
  onSeeded?: () => void;
}

/** Opens the configured database, applies migrations and seeds the demo city when empty. */
export async function prepareDatabase(
  config: Config,
  log: Logger,
  options: PrepareOptions = {},
): Promise<Backend> {
  const backend = await openBackend({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSize: config.dbPoolSize,
    tileTimeoutMs: config.tiles.timeoutMs,
    onProgress: (message) => log.info(message),
  });
  log.info({ backend: backend.description, caps: backend.caps }, 'database open');
  try {
    const applied = await migrate(backend);
    if (applied.length > 0) log.info({ applied }, 'migrations applied');
    if (config.demo.enabled && (await seedIfEmpty(backend, config, log))) options.onSeeded?.();
    return backend;
  } catch (error) {
    await backend.close();
    throw error;
  }
}

/** Seeds the demo city when the database has no dataset; true when it did. */
async function seedIfEmpty(backend: Backend, config: Config, log: Logger): Promise<boolean> {
  const any = await backend.db.selectFrom('datasets').select('id').limit(1).executeTakeFirst();
  if (any) return false;
  const { seed, center, scale } = config.demo;
  log.info({ seed, center, scale }, 'empty database: seeding the demo city (TWIN_DEMO=off to skip)');
  const started = Date.now();
  const { counts, datasetId } = await seedDemoCity(backend.db, {
    seed,
    center,
    scale,
    onProgress: (message) => log.info(message),
  });
  counts.sensors = await registerDemoSensors(backend.db, datasetId, config.sensors.simulatorPeriodS);
  log.info({ counts, seconds: (Date.now() - started) / 1000 }, 'demo city seeded');
  return true;
}
