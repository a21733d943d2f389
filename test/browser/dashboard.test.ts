import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { DashboardResponse } from '../../common/api-types';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { KPI_KEYS, SERIES_KEYS } from '../../server/dashboard/dashboard-figures';
import { backfillDemoHistory } from '../../server/sensors/demo-history';
import { describeInChromium } from '../support/browser';
import { mapTest } from '../support/map-test';
import { ARTIFACTS_DIR } from '../support/paths';

const SLOW = 240_000;

/** A day of hourly demo history up to now, so every figure and chart has data. */
const it = mapTest().extend('history', { scope: 'file' }, async ({ twin }) =>
  backfillDemoHistory(twin.backend, { days: 1, stepS: 3600, end: Date.now() }),
);

/** Waits for the public map of /dashboard or /embed/map to draw its tiles. */
const publicMapIdle = (page: Page) =>
  page.evaluate(() =>
    (
      globalThis as unknown as { __publicMap: { whenIdle(ms: number): Promise<void> } }
    ).__publicMap.whenIdle(120_000),
  );

/**
 * A screenshot of the whole page: the viewport is made as tall as the page and the map redrawn
 * (Playwright's fullPage capture would catch the WebGL canvas mid-resize).
 */
async function wholePage(page: Page, width: number, file: string): Promise<void> {
  const height = await page.evaluate(
    () =>
      (globalThis as unknown as { document: { documentElement: { scrollHeight: number } } })
        .document.documentElement.scrollHeight,
  );
  await page.setViewportSize({ width, height });
  await publicMapIdle(page);
  await page.screenshot({ path: join(ARTIFACTS_DIR, file) });
}

/** Pixels of a canvas that are drawn on (not transparent), counted in the page. */
const inkedPixels = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    type Canvas = {
      width: number;
      height: number;
      getContext(k: '2d'): {
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    };
    const canvas = (
      globalThis as unknown as { document: { querySelector(s: string): Canvas | null } }
    ).document.querySelector(sel);
    if (!canvas) return 0;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
    return n;
  }, selector);

describeInChromium('the public dashboard in Chromium', () => {
  it(
    'shows an anonymous visitor every KPI with its unit, the charts drawn, and no edit control',
    async ({ page, origin, log, history }) => {
      expect(history).not.toBeNull();
      await page.setViewportSize({ width: 1440, height: 900 });
      await page.goto(`${origin}/dashboard?debug`);
      const kpis = page.getByTestId('kpis');
      await kpis.waitFor({ timeout: 60_000 });
      for (const key of KPI_KEYS) {
        const card = kpis.locator(`[data-kpi="${key}"]`);
        expect(await card.locator('h3').textContent()).not.toBe('');
        // A number and its unit (the demo history's last hour is fresh enough to report).
        expect(await card.getByTestId('kpi-value').textContent()).toMatch(/^\d[\d,.]*$/);
        expect((await card.getByTestId('kpi-unit').textContent())!.trim()).not.toBe('');
        expect(await card.locator('time').textContent()).toMatch(/^As of /);
      }
      expect(
        await kpis.locator('[data-kpi="traffic_congestion"]').getByTestId('kpi-unit').textContent(),
      ).toBe('%');
      expect(
        await kpis.locator('[data-kpi="open_alerts"]').getByTestId('kpi-unit').textContent(),
      ).toBe('alerts');

      // Each 24-hour chart is a uPlot canvas with its line drawn.
      for (const key of SERIES_KEYS) {
        const chart = page.locator(`figure[data-series="${key}"]`);
        expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(10);
        await chart.locator('canvas').waitFor();
        expect(await inkedPixels(page, `figure[data-series="${key}"] canvas`)).toBeGreaterThan(
          2000,
        );
      }

      // Read-only: no form field, and no button but the map's own zoom and compass.
      expect(await page.locator('input, textarea, select, form').count()).toBe(0);
      const buttons = await page
        .locator('button')
        .evaluateAll((els) => els.map((b) => (b as unknown as { className: string }).className));
      expect(buttons.every((c) => c.startsWith('maplibregl-ctrl'))).toBe(true);
      const editing = /Import|Create|Draw|Edit|Delete|Publish|Save|Upload/;
      expect(await page.getByRole('button', { name: editing }).count()).toBe(0);
      expect(await page.getByRole('link', { name: editing }).count()).toBe(0);
      expect(await page.getByText('No development scenario has been published yet.').count()).toBe(
        1,
      );

      await publicMapIdle(page);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard-1440.png') });
      await wholePage(page, 1440, 'dashboard-1440-full.png');
      await page.setViewportSize({ width: 390, height: 844 });
      await publicMapIdle(page);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard-390.png') });
      await wholePage(page, 390, 'dashboard-390-full.png');
      // Nothing wider than the phone: the page does not scroll sideways.
      expect(
        await page.evaluate(
          () =>
            (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } })
              .document.documentElement.scrollWidth,
        ),
      ).toBeLessThanOrEqual(390);
      expect(log.pageErrors).toEqual([]);
      expect(log.failed).toEqual([]);
    },
    SLOW,
  );

  it(
    'draws published scenarios as cards linking to their before-and-after view',
    async ({ browser, origin }) => {
      const page = await browser.context.newPage();
      try {
        // The scenarios array as the contract has it (published scenarios arrive with issue #9's publishing).
        await page.route('**/api/dashboard', async (route) => {
          const real = (await (await route.fetch()).json()) as DashboardResponse;
          real.scenarios = [
            {
              id: '7',
              name: 'Station quarter towers',
              published_at: new Date(Date.now() - 3600_000).toISOString(),
              kpis: [
                {
                  key: 'homes',
                  label: 'Homes',
                  value: 1240,
                  unit: 'dwellings',
                  as_of: real.as_of,
                  source: 'yield model',
                },
                {
                  key: 'jobs',
                  label: 'Jobs',
                  value: 310,
                  unit: 'jobs',
                  as_of: real.as_of,
                  source: 'yield model',
                },
                {
                  key: 'vehicle_hours',
                  label: 'Vehicle-hours in the peak hour',
                  value: -12.5,
                  unit: 'veh·h',
                  as_of: real.as_of,
                  source: 'traffic model',
                },
                {
                  key: 'assets_over_capacity',
                  label: 'Utility assets over capacity',
                  value: 2,
                  unit: 'assets',
                  as_of: real.as_of,
                  source: 'utility model',
                },
              ],
            },
          ];
          await route.fulfill({ json: real });
        });
        await page.goto(`${origin}/dashboard`);
        const card = page.locator('[data-scenario="7"]');
        await card.waitFor({ timeout: 60_000 });
        expect(await card.locator('h3').textContent()).toBe('Station quarter towers');
        expect(await card.locator('[data-kpi="homes"]').textContent()).toMatch(
          /\+1,240\s*dwellings/,
        );
        expect(await card.locator('[data-kpi="vehicle_hours"]').textContent()).toMatch(
          /-12\.5\s*veh·h/,
        );
        expect(
          await card.getByRole('link', { name: /Before and after/ }).getAttribute('href'),
        ).toBe('/embed/scenario/7');
      } finally {
        await page.close();
      }
    },
    SLOW,
  );

  it(
    'serves a KPI, a chart and the map as chrome-less embeds',
    async ({ browser, origin }) => {
      const page = await browser.context.newPage();
      try {
        await page.setViewportSize({ width: 360, height: 220 });
        await page.goto(`${origin}/embed/kpi/water_demand`);
        const card = page.locator('[data-kpi="water_demand"]');
        await card.waitFor({ timeout: 60_000 });
        expect(await card.getByTestId('kpi-unit').textContent()).toBe('%');
        expect(await page.locator('h1, header').count()).toBe(0);

        await page.goto(`${origin}/embed/chart/power_load`);
        await page.locator('figure[data-series="power_load"] canvas').waitFor({ timeout: 60_000 });
        expect(await inkedPixels(page, 'figure[data-series="power_load"] canvas')).toBeGreaterThan(
          1000,
        );

        const log: string[] = [];
        page.on('pageerror', (e) => log.push(e.message));
        for (const [width, height] of [
          [1440, 900],
          [390, 844],
        ] as const) {
          await page.setViewportSize({ width, height });
          await page.goto(`${origin}/embed/map?debug`);
          await page.waitForFunction(
            () => Boolean((globalThis as unknown as { __publicMap?: unknown }).__publicMap),
            null,
            { timeout: 60_000 },
          );
          await publicMapIdle(page);
          await page.screenshot({ path: join(ARTIFACTS_DIR, `embed-map-${width}.png`) });
        }
        expect(await page.getByRole('region', { name: /Map of the city/ }).count()).toBe(1);
        expect(log).toEqual([]);
      } finally {
        await page.close();
      }
    },
    SLOW,
  );

  it(
    "shows a scenario's headline deltas with its buildings before and after, in an embed",
    async ({ browser, origin, twin }) => {
      // A 40 × 40 m, 20-floor residential block on open ground near the centre.
      const [lon, lat] = [DEFAULT_DEMO_CENTER[0] + 0.004, DEFAULT_DEMO_CENTER[1] - 0.003];
      const d = { lat: 20 / 111_320, lon: 20 / (111_320 * Math.cos((lat * Math.PI) / 180)) };
      // A planner makes the scenario and publishes it: the embed shows published ones only.
      const planner = await twin.as('planner');
      const send = async (method: string, path: string, body: unknown) =>
        twin.app.request(path, {
          method,
          headers: { ...planner, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
      const post = async (path: string, body: unknown) => {
        const res = await send('POST', path, body);
        expect(res.status).toBe(201);
        return (await res.json()) as { id: string };
      };
      const { id } = await post('/api/scenarios', { name: 'Embedded towers' });
      await post(`/api/scenarios/${id}/edits`, {
        kind: 'add_building',
        geometry: {
          type: 'Polygon',
          coordinates: [
            [
              [lon - d.lon, lat - d.lat],
              [lon + d.lon, lat - d.lat],
              [lon + d.lon, lat + d.lat],
              [lon - d.lon, lat + d.lat],
              [lon - d.lon, lat - d.lat],
            ],
          ],
        },
        floors: 20,
        use: 'residential',
      });
      const published = await send('PATCH', `/api/scenarios/${id}`, { status: 'published' });
      expect([200, 202]).toContain(published.status);
      const page = await browser.context.newPage();
      try {
        await page.setViewportSize({ width: 1440, height: 900 });
        await page.goto(`${origin}/embed/scenario/${id}?debug`);
        // The name arrives with the scenario, after the page has loaded.
        const heading = page.getByRole('heading', { level: 1 });
        await expect.poll(() => heading.textContent(), { timeout: SLOW }).toBe('Embedded towers');
        // The impact is computed on demand; the embed waits for it.
        const homes = page.locator('[data-kpi="homes"] dd');
        await expect
          .poll(() => homes.textContent(), { timeout: SLOW })
          .toMatch(/^\+[1-9][\d,]*\s*dwellings/);
        expect(await page.locator('[data-kpi="vehicle_hours"] dd').textContent()).toMatch(/veh·h/);
        expect(await page.getByRole('button', { name: 'After' }).getAttribute('aria-pressed')).toBe(
          'true',
        );
        await publicMapIdle(page);
        await page.screenshot({ path: join(ARTIFACTS_DIR, 'embed-scenario-1440.png') });
        await page.getByRole('button', { name: 'Before' }).click();
        await publicMapIdle(page);
        expect(
          await page.getByRole('button', { name: 'Before' }).getAttribute('aria-pressed'),
        ).toBe('true');
      } finally {
        await page.close();
      }
    },
    SLOW * 2,
  );
});
