import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { hexToRgb } from '../../web/src/lib/color-ramps';
import { BUILDING_USES } from '../../web/src/lib/palettes';
import {
  describeInChromium,
  countPalettePixels,
  openMap,
  waitForMap,
  type PageGlobals,
} from '../support/browser';
import { footprintAround, mapTest, openSite } from '../support/map-test';
import { ARTIFACTS_DIR } from '../support/paths';

const RESIDENTIAL = [hexToRgb(BUILDING_USES.find((u) => u.value === 'residential')!.color)];
/** SwiftShader renders slowly: each settled view can take tens of seconds. */
const SLOW = 300_000;

type Site = { lon: number; lat: number };

const it = mapTest()
  // A spot near the centre with no building within 70 m, where the tower is drawn.
  .extend('site', { scope: 'file' }, async ({ twin }) => openSite(twin.backend.db));

describeInChromium('scenarios in Chromium', () => {
  const camera = (page: Page, site: Site, pitch: number) =>
    page.evaluate(
      ({ site, pitch }) => {
        // Centred ~80 m east of the site, so the site sits in the open map area left of the
        // scenario panels.
        (globalThis as unknown as PageGlobals).__twin!.map.jumpTo({
          center: [site.lon + 0.0012, site.lat],
          zoom: 17,
          bearing: 0,
          pitch,
        });
      },
      { site, pitch },
    );

  /** Where a lon/lat falls on the page. */
  const at = (page: Page, lon: number, lat: number) =>
    page.evaluate((p) => (globalThis as unknown as PageGlobals).__twin!.map.project(p), [
      lon,
      lat,
    ] as [number, number]);

  it(
    'draws a building, sets floors, updates the impact panel, and shows the tower only on the scenario side',
    async ({ page, origin, log, site, session }) => {
      // Issue #9: scenarios are planners'.
      await session.signIn('planner');
      await openMap(page, origin, `#map=17/${site.lat}/${site.lon}/0/0&layers=buildings,roads`);

      await page.getByLabel('New scenario name').fill('Browser tower');
      await page.getByTestId('scenario-create').click();
      await expect.poll(() => page.getByTestId('scenario-select').inputValue()).not.toBe('');
      await page.getByTestId('floors-input').fill('40');
      // The empty scenario's impact (the baseline model) is computed in this very process; wait
      // for it, so that the pointer events below are not held up by it.
      const gfaCell = page.getByTestId('impact-panel').locator('tr[data-key="gfa_m2"] td');
      await expect.poll(() => gfaCell.textContent(), { timeout: SLOW }).toBe('0 m²');

      // Draw a ~50 m square footprint around the site: four corners, then the first again.
      await camera(page, site, 0);
      await waitForMap(page);
      const corners = footprintAround(site);
      await page.getByTestId('draw-building').click();
      for (const [lon, lat] of [...corners, corners[0]!]) {
        // terra-draw takes a click from pointer moves, down and up on the map canvas.
        const p = await at(page, lon!, lat!);
        await page.mouse.move(p.x, p.y, { steps: 4 });
        await page.mouse.down();
        await page.mouse.up();
        await waitForMap(page);
      }

      // The edit lands, and the impact panel shows its floor area and homes.
      await expect
        .poll(() => page.getByTestId('edit-list').textContent(), { timeout: 60_000 })
        .toMatch(/New building — 40 floors/);
      await expect
        .poll(() => gfaCell.textContent(), { timeout: SLOW })
        .toMatch(/^\+[1-9][0-9,]* m²/);
      await expect
        .poll(() =>
          page.getByTestId('impact-panel').locator('tr[data-key="dwellings"] td').textContent(),
        )
        .toMatch(/^\+[1-9]/);
      const panel = await page.getByTestId('impact-panel').textContent();
      expect(panel).toMatch(/Method, reference and factors/);
      // The calibration quality stands next to the traffic figures, with the gap reached.
      expect(await page.getByTestId('calibration').textContent()).toMatch(/calibrated|GEH/i);
      expect(panel).toMatch(/Relative gap \d\.\de-\d/);
      expect(panel).toMatch(/Newly flagged assets/);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'scenario-impact-panel.png') });

      // 3D: the tower rises above the site in the scenario view.
      await camera(page, site, 55);
      await waitForMap(page);
      const top = await at(page, site.lon, site.lat);
      const clip = {
        x: Math.round(top.x - 60),
        y: Math.max(0, Math.round(top.y - 260)),
        width: 120,
        height: 240,
      };
      const scenario = await countPalettePixels(page, RESIDENTIAL, clip);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'scenario-3d.png') });

      // Swipe compare with the baseline covering the whole view: no tower there.
      await page.getByTestId('compare-toggle').check();
      const divider = page.getByTestId('compare-divider');
      await divider.focus();
      for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowRight');
      await page.waitForFunction(
        () =>
          (
            globalThis as unknown as {
              document: { querySelector(s: string): { dataset: Record<string, string> } | null };
            }
          ).document.querySelector('[data-testid="compare-baseline"]')?.dataset.loaded === 'true',
        null,
        { timeout: SLOW },
      );
      const baseline = await countPalettePixels(page, RESIDENTIAL, clip);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'scenario-compare-baseline.png') });

      // And with the divider at the far left the scenario shows again.
      for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowLeft');
      await page.waitForFunction(() =>
        (
          globalThis as unknown as {
            document: { querySelector(s: string): { style: { clipPath: string } } | null };
          }
        ).document
          .querySelector('[data-testid="compare-baseline"]')
          ?.style.clipPath.includes('98%'),
      );
      await waitForMap(page);
      const again = await countPalettePixels(page, RESIDENTIAL, clip);

      expect(scenario.matching).toBeGreaterThan(800);
      expect(baseline.matching).toBeLessThan(scenario.matching / 3);
      expect(again.matching).toBeGreaterThan(scenario.matching / 2);
      expect(log.pageErrors).toEqual([]);
    },
    SLOW * 2,
  );
});
