import type { KyselyPlugin } from 'kysely';
import { createApp, type Twin } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import { createLogger } from '../../server/log';
import { openTestDatabase, type BackendKind, type TestDatabase } from './backends';

export interface TestTwin extends Twin, TestDatabase {
  config: Config;
}

/** The real app on a private test database, driven in-process with `app.request()`. */
export async function createTestTwin(
  kind: BackendKind,
  env: Record<string, string> = {},
  options: { tilePlugin?: KyselyPlugin } = {},
): Promise<TestTwin> {
  const database = await openTestDatabase(kind);
  const config = loadConfig({ LOG_LEVEL: 'silent', TWIN_DEMO: 'off', ...env });
  const backend = options.tilePlugin
    ? { ...database.backend, tileDb: database.backend.tileDb.withPlugin(options.tilePlugin) }
    : database.backend;
  const twin = await createApp({ backend, config, log: createLogger('silent') });
  // The impact workers go with the database: a test file's twin leaves no thread behind.
  return { ...database, ...twin, config, dispose: async () => { await twin.impacts.close(); await database.dispose(); } };
}
