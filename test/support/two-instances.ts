import { createApp, type Twin } from '../../server/app';
import { loadConfig } from '../../server/config';
import { openBackend, type Backend } from '../../server/db/backend';
import { createLogger } from '../../server/log';
import { openTestDatabase, type TestDatabase } from './backends';

export interface TwoInstances {
  database: TestDatabase;
  /** On the test database's own backend. */
  a: Twin;
  /** On a second pool to the same database, as a second process would be. */
  b: Twin;
  /** Stops both instances' sensors and impact workers, then closes the pools and the database. */
  close(): Promise<void>;
}

/**
 * Two app instances on one fresh PostgreSQL test database (needs DATABASE_URL). `env(i)` adds
 * to the configuration of instance `i` (0 for A, 1 for B).
 */
export async function openTwoInstances(
  env: (i: 0 | 1) => Record<string, string> = () => ({}),
): Promise<TwoInstances> {
  const database = await openTestDatabase('postgres');
  const backendB: Backend = await openBackend({
    databaseUrl: database.url!,
    dataDir: '',
    poolSize: 4,
    tileTimeoutMs: 10_000,
  });
  const make = (backend: Backend, i: 0 | 1) =>
    createApp({
      backend,
      config: loadConfig({
        LOG_LEVEL: 'silent',
        TWIN_DEMO: 'off',
        TWIN_DATA_DIR: 'memory://',
        ...env(i),
      }),
      log: createLogger('silent'),
    });
  const a = await make(database.backend, 0);
  const b = await make(backendB, 1);
  return {
    database,
    a,
    b,
    close: async () => {
      for (const t of [a, b]) {
        await t.sensors.stop();
        await t.impacts.close();
      }
      await backendB.close();
      await database.dispose();
    },
  };
}
