import type { KyselyPlugin } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { createApp, type Twin } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import { createLogger } from '../../server/log';
import { openTestDatabase, type BackendKind, type TestDatabase } from './backends';
import type { AccountRole } from '../../server/auth/roles';
import { tokenHeaders } from './auth';

export interface TestTwin extends Twin, TestDatabase {
  config: Config;
  /**
   * `Authorization: Bearer` headers acting as a user with `role` (issue #9): user
   * `test-<role>` by default, or `name`; created on first use, one token per user.
   */
  as(role: AccountRole, name?: string): Promise<Record<string, string>>;
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
  const tokens = new Map<string, Promise<Record<string, string>>>();
  const as = (role: AccountRole, name = `test-${role}`) => {
    let t = tokens.get(name);
    if (!t) tokens.set(name, (t = tokenHeaders(backend.db, name, role)));
    return t;
  };
  // The impact workers go with the database: a test file's twin leaves no thread behind.
  return {
    ...database,
    ...twin,
    config,
    as,
    dispose: async () => {
      await twin.impacts.close();
      await database.dispose();
    },
  };
}

/**
 * One twin for the describe block it is called in: created in its beforeAll, disposed of in its
 * afterAll. Read `ctx.twin` inside the tests (it is set once beforeAll has run).
 */
export function suiteTwin(
  kind: BackendKind,
  env?: Record<string, string>,
  options?: { tilePlugin?: KyselyPlugin },
): { twin: TestTwin } {
  const ctx = {} as { twin: TestTwin };
  beforeAll(async () => {
    ctx.twin = await createTestTwin(kind, env, options);
  });
  afterAll(async () => {
    await ctx.twin?.dispose();
  });
  return ctx;
}
