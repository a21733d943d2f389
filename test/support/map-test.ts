import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import type { Database } from '../../schema/database';
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

/** A ~50 × 50 m footprint around `site`: its four corners (a test draws them, then the first again). */
export function footprintAround(site: { lon: number; lat: number }): [number, number][] {
  const d = 0.00022;
  return [
    [site.lon - d * 1.6, site.lat - d],
    [site.lon + d * 1.6, site.lat - d],
    [site.lon + d * 1.6, site.lat + d],
    [site.lon - d * 1.6, site.lat + d],
  ];
}

/** Drags on the map from one page point to another, as a pointer would (terra-draw's handles). */
export async function dragOnMap(
  page: Page,
  from: { x: number; y: number },
  to: { x: number; y: number },
): Promise<void> {
  await page.mouse.move(from.x, from.y, { steps: 4 });
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.up();
}

/** A road node near the demo centre with no building within `clearance` m: where a test draws. */
export async function openSite(
  db: Kysely<Database>,
  clearance = 70,
): Promise<{ lon: number; lat: number }> {
  const [lon, lat] = DEFAULT_DEMO_CENTER;
  const { rows } = await sql<{ lon: number; lat: number }>`
    SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
      SELECT ST_Transform(n.geom, 4326) AS p, n.geom FROM road_nodes n
      WHERE NOT EXISTS (SELECT 1 FROM buildings b WHERE ST_DWithin(b.geom, n.geom, ${clearance}))
      ORDER BY n.geom <-> ST_Transform(ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), 3857)
      LIMIT 1) AS q`.execute(db);
  return { lon: Number(rows[0]!.lon), lat: Number(rows[0]!.lat) };
}
