import { join } from 'node:path';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { SPEED_RATIO_COLORS } from '../../web/src/lib/speed-colors';
import {
  CHROMIUM_PATH,
  HAS_CHROMIUM,
  countPalettePixels,
  startMapSession,
  openMap,
  recordPage,
  serveApp,
  centreOn,
  type Browser,
  type MapSession,
} from '../support/browser';
import { ARTIFACTS_DIR } from '../support/paths';
import type { TestTwin } from '../support/twin';
import { AUTH, TEST_KEY } from './helpers';

const JAMMED = SPEED_RATIO_COLORS.at(-1)!.color;
const SLOW = 240_000;

describe.skipIf(!HAS_CHROMIUM)(
  `live road colours in Chromium${HAS_CHROMIUM ? '' : ` (no Chromium at ${CHROMIUM_PATH}: skipped)`}`,
  () => {
    let session: MapSession;
    let twin: TestTwin;
    let server: Awaited<ReturnType<typeof serveApp>>;
    let browser: Browser;
    let page: Page;
    let link: { sensor: string; lon: number; lat: number };

    beforeAll(async () => {
      session = await startMapSession({ TWIN_INGEST_KEYS: TEST_KEY });
      ({ twin, server, browser } = session);
      // The longest arterial with a speed sensor: easy to see at street zoom.
      const { rows } = await sql<{ sensor: string; lon: number; lat: number }>`
        SELECT s.id AS sensor, ST_X(p) AS lon, ST_Y(p) AS lat FROM (
          SELECT s.id, ST_Transform(ST_LineInterpolatePoint(r.geom, 0.5), 4326) AS p, r.length_m
          FROM sensors s JOIN road_links r ON r.id = s.asset_id
          WHERE s.kind = 'traffic_speed' AND s.asset_type = 'road_link' AND r.class = 'arterial') s
        ORDER BY length_m DESC LIMIT 1`.execute(twin.backend.db);
      link = { sensor: String(rows[0]!.sensor), lon: Number(rows[0]!.lon), lat: Number(rows[0]!.lat) };
      page = await browser.context.newPage();
    }, SLOW);

    afterAll(async () => {
      await session?.close();
    });

    it('turns a road red once a jammed reading for its sensor is ingested, without reloading tiles', async () => {
      onTestFailed(async () => {
        await page.screenshot({ path: join(ARTIFACTS_DIR, 'live-road-colour.png') }).catch(() => undefined);
      });
      const log = recordPage(page);
      await openMap(page, server.origin);
      const clip = await centreOn(page, link, 17.5);
      const before = await countPalettePixels(page, [JAMMED], clip);
      expect(before.matching).toBe(0);

      const tiles = () => page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/tiles/roads')).length);
      const tilesBefore = await tiles();
      const res = await twin.app.request('/api/ingest/readings', {
        method: 'POST',
        headers: AUTH,
        body: JSON.stringify([{ sensor: link.sensor, ts: Date.now() - 1000, value: 1 }]),
      });
      expect(((await res.json()) as { accepted: number }).accepted).toBe(1);

      let after = before;
      for (let i = 0; i < 60 && after.matching < 20; i++) {
        await page.waitForTimeout(500);
        after = await countPalettePixels(page, [JAMMED], clip);
      }
      expect(after.matching).toBeGreaterThanOrEqual(20);
      expect(await tiles()).toBe(tilesBefore);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'live-road-colour-after.png') });
      // The sensor panel's time slider and legend are on screen, and nothing failed in the page.
      expect(await page.getByTestId('sensor-time').textContent()).toBe('Live');
      expect(log.pageErrors).toEqual([]);
    }, SLOW);
  },
);
