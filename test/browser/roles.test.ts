import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it, onTestFailed } from 'vitest';
import { ensureUser, TEST_PASSWORD } from '../support/auth';
import {
  describeInChromium,
  launchChromium,
  openMap,
  recordPage,
  startMapSession,
  waitForMap,
  type MapSession,
  type PageGlobals,
  type PageLog,
} from '../support/browser';
import { ARTIFACTS_DIR } from '../support/paths';

const SLOW = 300_000;

/** The map for each role (issue #9), in a real Chromium. */
describeInChromium('the map for each role in Chromium', () => {
  let session: MapSession;
  let page: Page;
  let log: PageLog;

  beforeAll(async () => {
    session = await startMapSession();
    await ensureUser(session.twin.backend.db, 'paula', 'planner');
    await ensureUser(session.twin.backend.db, 'piet', 'planner');
    page = await session.browser.context.newPage();
    // Signing in or out reloads the page; under SwiftShader on a busy machine a reload of the
    // map can take more than Playwright's default 30 s (a hang guard, not a threshold).
    page.setDefaultTimeout(120_000);
    log = recordPage(page);
  }, SLOW);
  afterAll(async () => {
    await session?.close();
  });

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`) });
  const keepOnFailure = (name: string) =>
    onTestFailed(async () => {
      await page?.screenshot({ path: join(ARTIFACTS_DIR, `failed-${name}.png`) }).catch(() => {});
    });

  /** Signs in through the page's own form; the page reloads with the new session. */
  async function signInThroughPage(name: string): Promise<void> {
    await page.getByTestId('sign-in-open').click();
    await page.getByTestId('sign-in-user').fill(name);
    await page.getByTestId('sign-in-password').fill(TEST_PASSWORD);
    await page.getByTestId('sign-in-submit').click();
    // The page reloads signed in: the name appears only in the new page (SwiftShader is slow).
    await page.getByTestId('session-user').waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => Boolean((globalThis as unknown as PageGlobals).__twin), null, {
      timeout: 60_000,
    });
    await waitForMap(page);
  }

  it(
    'shows the public no Import, no scenario editing and no staff layer',
    async () => {
      keepOnFailure('roles-public');
      await openMap(page, session.server.origin);
      await page.getByTestId('sign-in-open').waitFor();
      expect(await page.getByRole('button', { name: 'Import data…' }).count()).toBe(0);
      expect(await page.getByTestId('scenario-create').count()).toBe(0);
      expect(await page.getByTestId('draw-building').count()).toBe(0);
      const layers = await page
        .locator('li[data-layer]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-layer')));
      expect(layers).toEqual(expect.arrayContaining(['buildings', 'roads', 'land_use']));
      expect(layers.filter((l) => /^(water|power)_/.test(l!))).toEqual([]);
      // The public page asks for nothing it may not have.
      expect(log.badResponses).toEqual([]);
      expect(log.requests.filter((u) => /water_|power_|\/api\/alerts/.test(u))).toEqual([]);
      expect(log.pageErrors).toEqual([]);
    },
    SLOW,
  );

  it(
    'lets a planner sign in through the page, create and publish a scenario the public then sees',
    async () => {
      keepOnFailure('roles-planner');
      await signInThroughPage('paula');
      expect(await page.getByTestId('session-user').textContent()).toBe('paula');
      expect(await page.getByTestId('session-role').textContent()).toBe('Planner');
      // Staff layers appear after sign-in; Import stays GIS staff's.
      await page.locator('li[data-layer="water_pipes"]').waitFor();
      expect(await page.getByRole('button', { name: 'Import data…' }).count()).toBe(0);

      await page.getByLabel('New scenario name').fill('Riverside homes');
      await page.getByTestId('scenario-create').click();
      await page.getByTestId('scenario-publish').waitFor();
      await page.getByTestId('draw-building').waitFor();
      const id = await page.getByTestId('scenario-select').inputValue();
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      // Before publishing, the public cannot see it.
      expect((await session.twin.app.request(`/api/scenarios/${id}`)).status).toBe(404);

      await page.getByTestId('scenario-share').click();
      await page.getByTestId('share-dialog').waitFor();
      await page.getByTestId('share-user').selectOption('piet');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await page.getByTestId('share-save').click();
      await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
      await page.getByRole('button', { name: 'Close', exact: true }).click();

      await page.getByTestId('scenario-publish').click();
      await page.getByTestId('scenario-unpublish').waitFor();
      const open = (await (await session.twin.app.request('/api/scenarios')).json()) as {
        scenarios: { id: string; name: string; status: string }[];
      };
      expect(open.scenarios).toContainEqual(
        expect.objectContaining({ id, name: 'Riverside homes', status: 'published' }),
      );
      // …and it appears on the public dashboard, seen by an anonymous browser (own profile,
      // no session cookie).
      const anonymous = await launchChromium();
      try {
        const publicPage = await anonymous.context.newPage();
        publicPage.setDefaultTimeout(120_000);
        await publicPage.goto(`${session.server.origin}/dashboard`);
        await publicPage.getByTestId('scenarios').getByText('Riverside homes').waitFor();
        await publicPage.screenshot({
          path: join(ARTIFACTS_DIR, 'roles-published-on-dashboard.png'),
          fullPage: true,
        });
      } finally {
        await anonymous.close();
      }

      await page.setViewportSize({ width: 1440, height: 900 });
      await waitForMap(page);
      await shot('roles-planner-1440x900');
      await page.setViewportSize({ width: 390, height: 844 });
      await waitForMap(page);
      await shot('roles-planner-390x844');
      await page.setViewportSize({ width: 1280, height: 800 });
      expect(log.pageErrors).toEqual([]);
    },
    SLOW,
  );

  it(
    "hides a planner's unshared draft from another planner",
    async () => {
      keepOnFailure('roles-other-planner');
      await page.getByLabel('New scenario name').fill('Secret draft');
      await page.getByTestId('scenario-create').click();
      await page.getByTestId('scenario-publish').waitFor();
      const draft = await page.getByTestId('scenario-select').inputValue();

      await page.getByTestId('sign-out').click();
      await page.getByTestId('sign-in-open').waitFor({ timeout: 120_000 });
      await signInThroughPage('piet');
      expect(await page.getByTestId('session-user').textContent()).toBe('piet');
      const options = await page.getByTestId('scenario-select').locator('option').allTextContents();
      expect(options).toContain('Riverside homes (published)');
      expect(options).not.toContain('Secret draft');
      const res = await page.request.get(`${session.server.origin}/api/scenarios/${draft}`);
      expect(res.status()).toBe(404);
      expect(log.pageErrors).toEqual([]);
    },
    SLOW,
  );
});
