import { join } from 'node:path';
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { MaintenanceRisk, SensorAlert } from '../../common/sensor-types';
import { startSensorRuntime } from '../../server/sensors/sensor-runtime';
import { riskColor } from '../../web/src/lib/palettes';
import {
  describeInChromium,
  countPalettePixels,
  openMap,
  centreOn,
  waitForTwin,
  type PageGlobals,
} from '../support/browser';
import { mapTest } from '../support/map-test';
import { ARTIFACTS_DIR } from '../support/paths';
import { eventually, ingestStuckReadings, TEST_KEY } from '../sensors/helpers';

const SLOW = 240_000;
const it = mapTest({ TWIN_INGEST_KEYS: TEST_KEY, TWIN_DATA_DIR: 'memory://' });

describeInChromium('maintenance-risk colours in Chromium', () => {
  it(
    'colours a water pipe by its maintenance risk once its sensor is stuck, with a legend',
    async ({ twin, origin, page, log, session, onTestFinished }) => {
      await startSensorRuntime(twin.sensors, { mqtt: false, simulator: false, anomalies: true });
      onTestFinished(() => twin.sensors.stop());
      // The longest metered water main: easy to see at street zoom.
      const { rows } = await sql<{ sensor: string; id: string; lon: number; lat: number }>`
        SELECT s.id AS sensor, p.id, ST_X(m) AS lon, ST_Y(m) AS lat FROM sensors s
        JOIN water_pipes p ON p.id = s.asset_id,
        LATERAL ST_Transform(ST_LineInterpolatePoint(ST_LineMerge(p.geom), 0.5), 4326) m
        WHERE s.kind = 'water_flow' AND s.asset_type = 'water_pipe'
        ORDER BY ST_Length(p.geom) DESC LIMIT 1`.execute(twin.backend.db);
      const r = rows[0]!;
      const pipe = {
        sensor: String(r.sensor),
        id: String(r.id),
        lon: Number(r.lon),
        lat: Number(r.lat),
      };
      // Issue #9: water pipes and maintenance risk are staff's.
      await session.signIn('planner');

      // A sensor repeating one value opens a `stuck` alert, which raises its pipe's risk.
      expect(await ingestStuckReadings(twin.app, pipe.sensor, 42)).toBe(15);
      await eventually(async () => {
        const { alerts } = (await (
          await twin.app.request('/api/alerts', { headers: await twin.as('planner') })
        ).json()) as { alerts: SensorAlert[] };
        return alerts.some((a) => a.sensor === pipe.sensor && a.kind === 'stuck');
      }, 'the stuck alert');
      const { assets } = (await (
        await twin.app.request('/api/maintenance?asset_type=water_pipe', {
          headers: await twin.as('planner'),
        })
      ).json()) as {
        assets: MaintenanceRisk[];
      };
      const risk = assets.find((a) => a.asset_id === pipe.id)!.risk;
      expect(risk).toBeGreaterThan(0);
      // Its colour on the ramp, or a redder one should more of its sensor's alerts open meanwhile.
      const colours = Array.from({ length: 101 }, (_, i) =>
        riskColor(risk + ((1 - risk) * i) / 100),
      );

      // Straight to the pipe with only the pipes drawn: no citywide 3D view to render first.
      await openMap(page, origin, `#map=17/${pipe.lat}/${pipe.lon}/0/0&layers=water_pipes`);
      const clip = await centreOn(page, pipe, 17);
      expect((await countPalettePixels(page, colours, clip)).matching).toBe(0);

      await page.selectOption('#layer-water_pipes-color-by', 'risk');
      const item = page.locator('li[data-layer="water_pipes"]');
      await expect.poll(() => item.textContent()).toContain('Maintenance risk');
      const legend = (await item.textContent())!;
      expect(legend).toContain('No sensors');
      expect(legend).toMatch(/0\s*0\.5\s*1/);

      // Wait for the scores to reach the page and the recoloured tiles to be drawn.
      await waitForTwin(
        page,
        (id) =>
          ((globalThis as unknown as PageGlobals).__twin!.risk.risk('water_pipe', id) ?? 0) > 0,
        Number(pipe.id),
      );
      const after = await countPalettePixels(page, colours, clip);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'maintenance-risk-after.png') });
      expect(after.matching).toBeGreaterThanOrEqual(20);
      expect(log.pageErrors).toEqual([]);
    },
    SLOW,
  );
});
