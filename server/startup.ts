import type { Config } from './config';
import { openBackend, type Backend } from './db/backend';
import { migrate } from './db/migrate';
import type { Logger } from './log';
import { seedDemoCity } from '../data/seed-demo';
import { registerDemoSensors } from '../data/demo-sensors';
import { backfillDemoHistory } from './sensors/demo-history';

/**
 * Seconds between two readings of one sensor in the demo's generated history: hourly on the
 * embedded database (7 days ≈ 0.8 M readings, ~15 s and ~150 MB on a first start), every 15
 * minutes on PostgreSQL (COPY is fast there).
 */
const historyStepS = (backend: Backend) => (backend.kind === 'pglite' ? 3600 : 900);

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
    readUrls: config.databaseReadUrls,
    maxReplicaLagS: config.maxReplicaLagS,
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
  log.info(
    { seed, center, scale },
    'empty database: seeding the demo city (TWIN_DEMO=off to skip)',
  );
  const started = Date.now();
  const { counts, datasetId } = await seedDemoCity(backend.db, {
    seed,
    center,
    scale,
    onProgress: (message) => log.info(message),
  });
  counts.sensors = await registerDemoSensors(
    backend.db,
    datasetId,
    config.sensors.simulatorPeriodS,
  );
  log.info({ counts, seconds: (Date.now() - started) / 1000 }, 'demo city seeded');
  const days = config.sensors.demoHistoryDays;
  if (days > 0 && config.sensors.simulator) {
    const t = Date.now();
    const stepS = historyStepS(backend);
    log.info(
      { days, stepS },
      "generating the demo sensors' history (TWIN_DEMO_HISTORY_DAYS=0 to skip)",
    );
    const history = await backfillDemoHistory(backend, {
      days,
      stepS,
      onProgress: (message) => log.debug(message),
    });
    if (history) log.info({ ...history, seconds: (Date.now() - t) / 1000 }, 'demo history written');
  }
  return true;
}
