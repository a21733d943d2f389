import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { test } from 'vitest';
import { ARTIFACTS_DIR } from './paths';
import { recordPage, startMapSession, type PageLog } from './browser';

/**
 * The browser tests' world as one vitest fixture (`test.extend`): per test file, the built web
 * app served by a twin on a private embedded database, one Chromium and one page whose requests
 * and errors are recorded. Everything is set up lazily by the first test that asks for it and
 * torn down after the file; a failing test leaves a screenshot named after it in
 * `test-artifacts/`.
 *
 * ```ts
 * const it = mapTest({ TWIN_INGEST_KEYS: KEY });
 * it('draws the roads', async ({ page, origin, twin }) => { … });
 * ```
 */
export function mapTest(env: Record<string, string> = {}) {
  return (
    test
      // eslint-disable-next-line no-empty-pattern -- vitest reads a fixture's dependencies from this destructuring
      .extend('session', { scope: 'file' }, async ({}, { onCleanup }) => {
        const session = await startMapSession(env);
        onCleanup(() => session.close());
        return session;
      })
      .extend('twin', { scope: 'file' }, async ({ session }) => session.twin)
      .extend('origin', { scope: 'file' }, async ({ session }) => session.server.origin)
      .extend('browser', { scope: 'file' }, async ({ session }) => session.browser)
      .extend('page', { scope: 'file' }, async ({ session }, { onCleanup }) => {
        const page: Page = await session.browser.context.newPage();
        onCleanup(() => page.close().catch(() => undefined));
        return page;
      })
      .extend('log', { scope: 'file' }, async ({ page }): Promise<PageLog> => recordPage(page))
      .extend('screenshotOnFailure', { auto: true }, async ({ page, task, onTestFailed }) => {
        onTestFailed(async () => {
          const name = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 80);
          await page
            .screenshot({ path: join(ARTIFACTS_DIR, `failed-${name}.png`) })
            .catch(() => undefined);
        });
      })
  );
}
