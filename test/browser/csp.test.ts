import { join } from 'node:path';
import { expect } from 'vitest';
import { describeInChromium, openMap } from '../support/browser';
import { mapTest } from '../support/map-test';
import { ARTIFACTS_DIR } from '../support/paths';

const SLOW = 240_000;
const it = mapTest();

/** Violations the page reports (`securitypolicyviolation`), collected from the first script on. */
const WATCH = `globalThis.__csp = []; document.addEventListener('securitypolicyviolation', (e) => globalThis.__csp.push(e.violatedDirective + ' ' + e.blockedURI));`;
const violations = (page: { evaluate<T>(f: () => T): Promise<T> }) =>
  page.evaluate(() => (globalThis as unknown as { __csp: string[] }).__csp);

describeInChromium('the pages under the Content-Security-Policy (issue #10)', () => {
  it(
    'draws the map, its workers and WebGL with no violation',
    async ({ page, origin, log }) => {
      await page.addInitScript(WATCH);
      const doc = await page.request.get(`${origin}/`);
      expect(doc.headers()['content-security-policy']).toMatch(/script-src 'self'/);
      await openMap(page, origin);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'csp-map.png') });
      expect(await violations(page)).toEqual([]);
      expect(log.pageErrors).toEqual([]);
      expect(log.requests.some((u) => u.includes('/tiles/buildings/'))).toBe(true);
    },
    SLOW,
  );

  it(
    'renders the API reference with no violation',
    async ({ page, origin, log }) => {
      await page.goto(`${origin}/api/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'csp-api-docs.png') });
      expect(await violations(page)).toEqual([]);
      expect(log.pageErrors).toEqual([]);
    },
    SLOW,
  );
});
