import { join } from 'node:path';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { MaintenanceRisk, SensorAlert } from '../../common/sensor-types';
import { startSensorRuntime } from '../../server/sensors/sensor-runtime';
import { riskColor } from '../../web/src/lib/palettes';
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
import { AUTH, eventually, TEST_KEY } from '../sensors/helpers';

const SLOW = 240_000;

describe.skipIf(!HAS_CHROMIUM)(
  `maintenance-risk colours in Chromium${HAS_CHROMIUM ? '' : ` (no Chromium at ${CHROMIUM_PATH}: skipped)`}`,
  () => {
    let session: MapSession;
    let twin: TestTwin;
    let server: Awaited<ReturnType<typeof serveApp>>;
    let browser: Browser;
    let page: Page;
    let pipe: { sensor: string; id: string; lon: number; lat: number };

    beforeAll(async () => {
      session = await startMapSession({ TWIN_INGEST_KEYS: TEST_KEY, TWIN_DATA_DIR: 'memory://' });
      ({ twin, server, browser } = session);
      await startSensorRuntime(twin.sensors, { mqtt: false, simulator: false, anomalies: true });
      // The longest metered water main: easy to see at street zoom.
      const { rows } = await sql<{ sensor: string; id: string; lon: number; lat: number }>`
        SELECT s.id AS sensor, p.id, ST_X(m) AS lon, ST_Y(m) AS lat FROM sensors s
        JOIN water_pipes p ON p.id = s.asset_id,
        LATERAL ST_Transform(ST_LineInterpolatePoint(ST_LineMerge(p.geom), 0.5), 4326) m
        WHERE s.kind = 'water_flow' AND s.asset_type = 'water_pipe'
        ORDER BY ST_Length(p.geom) DESC LIMIT 1`.execute(twin.backend.db);
      const r = rows[0]!;
      pipe = { sensor: String(r.sensor), id: String(r.id), lon: Number(r.lon), lat: Number(r.lat) };
      // Issue #9: water pipes and maintenance risk are staff's.
      await session.signIn('planner');
      page = await browser.context.newPage();
    }, SLOW);

    afterAll(async () => {
      await twin?.sensors.stop();
      await session?.close();
    });

    it('colours a water pipe by its maintenance risk once its sensor is stuck, with a legend', async () => {
      onTestFailed(async () => {
        await page.screenshot({ path: join(ARTIFACTS_DIR, 'maintenance-risk.png') }).catch(() => undefined);
      });
      // A sensor repeating one value opens a `stuck` alert, which raises its pipe's risk.
      const base = Date.now() - 30 * 60_000;
      const items = Array.from({ length: 15 }, (_, i) => ({ sensor: pipe.sensor, ts: base + i * 60_000, value: 42 }));
      const res = await twin.app.request('/api/ingest/readings', { method: 'POST', headers: AUTH, body: JSON.stringify(items) });
      expect(((await res.json()) as { accepted: number }).accepted).toBe(15);
      await eventually(async () => {
        const { alerts } = (await (await twin.app.request('/api/alerts', { headers: await twin.as('planner') })).json()) as { alerts: SensorAlert[] };
        return alerts.some((a) => a.sensor === pipe.sensor && a.kind === 'stuck');
      }, 'the stuck alert');
      const { assets } = (await (await twin.app.request('/api/maintenance?asset_type=water_pipe', { headers: await twin.as('planner') })).json()) as {
        assets: MaintenanceRisk[];
      };
      const risk = assets.find((a) => a.asset_id === pipe.id)!.risk;
      expect(risk).toBeGreaterThan(0);
      // Its colour on the ramp, or a redder one should more of its sensor's alerts open meanwhile.
      const colours = Array.from({ length: 101 }, (_, i) => riskColor(risk + ((1 - risk) * i) / 100));

      const log = recordPage(page);
      await openMap(page, server.origin);
      await page.check('#layer-water_pipes');
      await page.uncheck('#layer-buildings');
      await page.uncheck('#layer-roads');
      const clip = await centreOn(page, pipe, 17);
      expect((await countPalettePixels(page, colours, clip)).matching).toBe(0);

      await page.selectOption('#layer-water_pipes-color-by', 'risk');
      const item = page.locator('li[data-layer="water_pipes"]');
      await expect.poll(() => item.textContent()).toContain('Maintenance risk');
      const legend = (await item.textContent())!;
      expect(legend).toContain('No sensors');
      expect(legend).toMatch(/0\s*0\.5\s*1/);

      let after = { matching: 0, total: 0 };
      for (let i = 0; i < 60 && after.matching < 20; i++) {
        await page.waitForTimeout(500);
        after = await countPalettePixels(page, colours, clip);
      }
      expect(after.matching).toBeGreaterThanOrEqual(20);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'maintenance-risk-after.png') });
      expect(log.pageErrors).toEqual([]);
    }, SLOW);
  },
);
