import { join } from 'node:path';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { hexToRgb } from '../../web/src/lib/color-ramps';
import { BUILDING_USES } from '../../web/src/lib/palettes';
import {
  describeInChromium,
  countPalettePixels,
  openMap,
  recordPage,
  waitForMap,
  type PageGlobals,
} from '../support/browser';
import { mapTest } from '../support/map-test';
import { ARTIFACTS_DIR } from '../support/paths';

/** Building use colours; "other" is a grey too close to the basemap's flat footprints. */
const PALETTE = BUILDING_USES.filter((u) => u.value !== 'other').map((u) => hexToRgb(u.color));
/** The map area right of the layer panel. */
const MAP_AREA = { x: 300, y: 0, width: 980, height: 800 };
/** SwiftShader renders slowly: a page load at citywide view takes tens of seconds. */
const SLOW = 240_000;

const it = mapTest()
  // A building with a sizeable roof near the demo centre, to click on, and its dataset's name.
  .extend('building', { scope: 'file' }, async ({ twin }) => {
    const [lon, lat] = DEFAULT_DEMO_CENTER;
    const { rows } = await sql<{ id: string; height_m: number; lon: number; lat: number }>`
      SELECT id, height_m, ST_X(p) AS lon, ST_Y(p) AS lat FROM (
        SELECT id, height_m, ST_Transform(ST_PointOnSurface(geom), 4326) AS p FROM buildings
        WHERE ST_Area(ST_Transform(geom, 4326)::geography) > 400
        ORDER BY geom <-> ST_Transform(ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), 3857)
        LIMIT 1) AS b`.execute(twin.backend.db);
    const b = rows[0]!;
    const id = Number(b.id);
    const ds = await sql<{ name: string }>`
      SELECT d.name FROM datasets d JOIN buildings b ON b.dataset_id = d.id
      WHERE b.id = ${id}`.execute(twin.backend.db);
    return {
      id,
      height_m: Number(b.height_m),
      lon: Number(b.lon),
      lat: Number(b.lat),
      datasetName: ds.rows[0]!.name,
    };
  });

describeInChromium('the city map in Chromium', () => {
  it(
    'loads the citywide 3D view with buildings drawn, no page error and no failed request',
    async ({ page, origin, log, session }) => {
      // Issue #9: the water and power layers are staff's.
      await session.signIn('planner');
      await openMap(page, origin);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'map-citywide-3d.png') });

      expect(log.pageErrors).toEqual([]);
      expect(log.failed).toEqual([]);
      expect(log.badResponses).toEqual([]);
      const tiles = log.requests.filter((u) => u.includes('/tiles/buildings/'));
      expect(tiles.length).toBeGreaterThan(0);
      const { matching, total } = await countPalettePixels(page, PALETTE, MAP_AREA);
      expect(matching / total).toBeGreaterThan(0.02);
      expect(await page.getByRole('checkbox', { name: 'Buildings' }).isChecked()).toBe(true);
      expect(await page.locator('.legend').first().textContent()).toContain('Street, district');
    },
    SLOW,
  );

  it(
    "shows a clicked building's height and dataset in the inspect panel",
    async ({ page, building }) => {
      // Straight down over the building, so its roof is right above its footprint.
      const hash = `#map=17.5/${building.lat}/${building.lon}/0/0&layers=buildings,roads,land_use`;
      await page.evaluate((h) => ((globalThis as unknown as PageGlobals).location.hash = h), hash);
      await waitForMap(page);
      const at = await page.evaluate(
        ([lon, lat]) => (globalThis as unknown as PageGlobals).__twin!.map.project([lon, lat]),
        [building.lon, building.lat] as [number, number],
      );
      await page.mouse.click(at.x, at.y);

      const panel = page.getByTestId('inspect-panel');
      const height = panel.locator('tr[data-key="height_m"] td');
      await height.waitFor({ timeout: 30_000 });
      expect(await height.textContent()).toBe(
        `${Number(building.height_m.toFixed(2)).toLocaleString('en')} m`,
      );
      expect(await panel.getByTestId('provenance').textContent()).toContain(building.datasetName);
      expect(await panel.textContent()).toContain(`#${building.id}`);
    },
    SLOW,
  );

  it(
    'removes the buildings from the map when their layer is switched off',
    async ({ page, log }) => {
      await page.getByRole('button', { name: 'Close the inspect panel' }).click();
      await waitForMap(page);
      const before = await countPalettePixels(page, PALETTE, MAP_AREA);
      expect(before.matching / before.total).toBeGreaterThan(0.1);

      await page.getByRole('checkbox', { name: 'Buildings' }).uncheck();
      await waitForMap(page);
      const after = await countPalettePixels(page, PALETTE, MAP_AREA);
      expect(after.matching).toBeLessThan(before.matching * 0.02);
      expect(
        await page.evaluate(() => (globalThis as unknown as PageGlobals).location.hash),
      ).toMatch(/layers=roads,land_use(&|$)/);
      expect(log.pageErrors).toEqual([]);
    },
    SLOW,
  );

  it(
    'restores the camera and the layers from a shared URL',
    async ({ browser, origin, log }) => {
      const shared = await browser.context.newPage();
      const sharedLog = recordPage(shared);
      await openMap(
        shared,
        origin,
        '#map=15.5/52.0893/5.1187/35/45&layers=roads,water_pipes,labels',
      );
      const view = await shared.evaluate(() => {
        const { map, settings } = (globalThis as unknown as PageGlobals).__twin!;
        const c = map.getCenter();
        return {
          lng: c.lng,
          lat: c.lat,
          zoom: map.getZoom(),
          bearing: map.getBearing(),
          pitch: map.getPitch(),
          layers: settings.visibleIds,
        };
      });
      expect(view.zoom).toBeCloseTo(15.5, 5);
      expect(view.lat).toBeCloseTo(52.0893, 5);
      expect(view.lng).toBeCloseTo(5.1187, 5);
      expect(view.bearing).toBeCloseTo(35, 5);
      expect(view.pitch).toBeCloseTo(45, 5);
      expect(view.layers).toEqual(['labels', 'water_pipes', 'roads']);
      expect(await shared.getByRole('checkbox', { name: 'Water pipes' }).isChecked()).toBe(true);
      expect(await shared.getByRole('checkbox', { name: 'Buildings' }).isChecked()).toBe(false);
      expect(sharedLog.pageErrors).toEqual([]);
      expect(sharedLog.badResponses).toEqual([]);
      log.requests.push(...sharedLog.requests);
      await shared.close();
    },
    SLOW,
  );

  it(
    'says in the panel when a layer fails, keeps the others, and recovers on retry',
    async ({ browser, origin, log }) => {
      const failing = await browser.context.newPage();
      const failingLog = recordPage(failing);
      await failing.route('**/tiles/water_pipes/**', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: '{"error":{"code":"unavailable","message":"down"}}',
        }),
      );
      await openMap(failing, origin, '#map=16/52.0907/5.1214/0/0&layers=water_pipes,roads');
      const item = failing.locator('li[data-layer="water_pipes"]');
      await item.getByRole('alert').waitFor({ timeout: 30_000 });
      expect(await item.getByRole('alert').textContent()).toContain(
        'busy or its database is unavailable',
      );
      expect(await failing.locator('li[data-layer="roads"] [role="alert"]').count()).toBe(0);
      expect(failingLog.pageErrors).toEqual([]);

      await failing.unroute('**/tiles/water_pipes/**');
      await item.getByRole('button', { name: 'Retry' }).click();
      await waitForMap(failing);
      expect(await item.getByRole('alert').count()).toBe(0);
      log.requests.push(...failingLog.requests);
      await failing.close();
    },
    SLOW,
  );

  it('asks nothing of any host but its own', ({ origin, log }) => {
    const foreign = log.requests.filter(
      (u) => !u.startsWith(`${origin}/`) && !u.startsWith('data:') && !u.startsWith('blob:'),
    );
    expect(log.requests.length).toBeGreaterThan(20);
    expect(foreign).toEqual([]);
  });
});
