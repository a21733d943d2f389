import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import {
  describeInChromium,
  countPalettePixels,
  openMap,
  waitForMap,
  type PageGlobals,
} from '../support/browser';
import { mapTest } from '../support/map-test';
import { ARTIFACTS_DIR } from '../support/paths';

/** SwiftShader renders slowly: each settled view can take tens of seconds. */
const SLOW = 300_000;
/** The closed-road colour of the changes layer (web/src/lib/layers/changes-layer.ts). */
const CLOSED: [number, number, number] = [17, 17, 17];

type Road = { id: number; name: string; lon: number; lat: number };

const it = mapTest()
  // A named road link near the centre: the edit the tests close and change.
  .extend('road', { scope: 'file' }, async ({ twin }): Promise<Road> => {
    const [lon, lat] = DEFAULT_DEMO_CENTER;
    const { rows } = await sql<{ id: string; name: string; lon: number; lat: number }>`
      SELECT id::text AS id, name, ST_X(p) AS lon, ST_Y(p) AS lat FROM (
        SELECT id, name, ST_Transform(ST_LineInterpolatePoint(ST_GeometryN(geom, 1), 0.5), 4326) AS p FROM road_links
        WHERE name IS NOT NULL AND length_m > 80
        ORDER BY geom <-> ST_Transform(ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), 3857) LIMIT 1) AS q`.execute(
      twin.backend.db,
    );
    const r = rows[0]!;
    return { id: Number(r.id), name: r.name, lon: Number(r.lon), lat: Number(r.lat) };
  });

/** The page's own state the tests read through `window.__twin` and the DOM. */
type Globals = PageGlobals & {
  __twin: PageGlobals['__twin'] & { map: { isMoving(): boolean } };
  document: {
    querySelector(s: string): {
      getBoundingClientRect(): {
        top: number;
        bottom: number;
        left: number;
        right: number;
        height: number;
      };
    } | null;
  };
  innerHeight: number;
};

/** A JSON API call with the browser's session cookie and its CSRF token. */
async function call<T>(
  page: Page,
  origin: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const session = await page.request.get(`${origin}/api/session`);
  const { csrf } = (await session.json()) as { csrf: string };
  const res = await page.request.fetch(`${origin}${path}`, {
    method,
    data: body,
    headers: { 'X-CSRF-Token': csrf },
  });
  if (!res.ok()) throw new Error(`${method} ${path} answered ${res.status()}: ${await res.text()}`);
  return (await res.json()) as T;
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`) });
const cameraOf = (page: Page) =>
  page.evaluate(() => {
    const m = (globalThis as unknown as Globals).__twin!.map;
    const c = m.getCenter();
    return { lon: c.lng, lat: c.lat, zoom: m.getZoom() };
  });
/** Metres between two WGS84 points (equirectangular: fine at city scale). */
const metres = (a: { lon: number; lat: number }, b: { lon: number; lat: number }) =>
  Math.hypot(
    (a.lon - b.lon) * 111_320 * Math.cos((a.lat * Math.PI) / 180),
    (a.lat - b.lat) * 110_540,
  );

describeInChromium('shared scenarios, edits, stories and the phone layout in Chromium', () => {
  it(
    'opens a shared scenario link with its swipe, names the closed road, draws it, zooms to it and changes it',
    async ({ page, origin, session, road, log }) => {
      // The file's page has not been used yet: it opens the link as a new page would.
      await session.signIn('planner');
      {
        await page.setViewportSize({ width: 1440, height: 900 });
        const s = await call<{ id: string }>(page, origin, 'POST', '/api/scenarios', {
          name: 'Closed street',
        });
        await call(page, origin, 'POST', `/api/scenarios/${s.id}/edits`, {
          kind: 'edit_road',
          roadLinkId: road.id,
          closed: true,
        });
        // A second scenario for the comparison table.
        const other = await call<{ id: string }>(page, origin, 'POST', '/api/scenarios', {
          name: 'Two lanes',
        });
        await call(page, origin, 'POST', `/api/scenarios/${other.id}/edits`, {
          kind: 'edit_road',
          roadLinkId: road.id,
          lanes: 1,
        });

        // A link as a colleague would get it: somewhere else, with the scenario and the swipe.
        const [lon, lat] = DEFAULT_DEMO_CENTER;
        await openMap(
          page,
          origin,
          `#map=14/${lat + 0.01}/${lon - 0.02}/0/0&layers=buildings,roads&scenario=${s.id}&compare=swipe`,
        );
        await expect
          .poll(() => page.getByTestId('scenario-select').inputValue(), { timeout: 60_000 })
          .toBe(s.id);
        await expect.poll(() => page.getByTestId('compare-divider').count()).toBe(1);
        expect(await page.getByTestId('compare-toggle').isChecked()).toBe(true);
        const name = page.getByTestId('edit-name');
        await expect
          .poll(() => name.textContent(), { timeout: 60_000 })
          .toContain(`Close road: ${road.name}`);
        await waitForMap(page);
        await shot(page, 'share-restored-1440');
        expect(
          await page.evaluate(() => (globalThis as unknown as PageGlobals).location.hash),
        ).toMatch(new RegExp(`&scenario=${s.id}&compare=swipe`));

        // The listed edit zooms to its street.
        await page.getByTestId('compare-toggle').uncheck();
        await name.click();
        await page.waitForFunction(
          () => !(globalThis as unknown as Globals).__twin!.map.isMoving(),
          null,
          { timeout: 60_000 },
        );
        await waitForMap(page);
        const cam = await cameraOf(page);
        expect(cam.zoom).toBeGreaterThan(15.5);
        expect(metres(cam, road)).toBeLessThan(400);

        // The changes layer draws the closed road: dark dashes at its middle, gone with the layer off.
        const p = await page.evaluate(
          (r) => (globalThis as unknown as PageGlobals).__twin!.map.project([r.lon, r.lat]),
          road,
        );
        const clip = { x: Math.round(p.x) - 40, y: Math.round(p.y) - 40, width: 80, height: 80 };
        const withChanges = await countPalettePixels(page, [CLOSED], clip);
        await shot(page, 'changes-closed-road-1440');
        await page.getByTestId('changes-toggle').uncheck();
        await waitForMap(page);
        const without = await countPalettePixels(page, [CLOSED], clip);
        await page.getByTestId('changes-toggle').check();
        expect(withChanges.matching).toBeGreaterThan(40);
        expect(withChanges.matching).toBeGreaterThan(3 * without.matching);

        // The edit can be changed in place: reopened with one lane instead of closed.
        await page.getByTestId('edit-change').click();
        await page.getByTestId('edit-closed').uncheck();
        await page.getByTestId('edit-form').getByLabel('Lanes').fill('1');
        await page.getByTestId('edit-save').click();
        await expect
          .poll(() => name.textContent(), { timeout: 60_000 })
          .toContain(`Changed road: ${road.name} — 1 lane`);
        const edits = await call<{ edits: { kind: string; closed?: boolean; lanes?: number }[] }>(
          page,
          origin,
          'GET',
          `/api/scenarios/${s.id}/edits`,
        );
        expect(edits.edits).toEqual([expect.objectContaining({ kind: 'edit_road', lanes: 1 })]);
        expect(edits.edits[0]!.closed).toBeUndefined();
        await shot(page, 'edit-changed-1440');

        // The traffic impact layer, switched on, brings its legend (colours apart from live speed).
        await page.getByTestId('impact-layer-traffic').check();
        await expect
          .poll(() => page.getByTestId('impact-legend-traffic').textContent())
          .toMatch(/More traffic.*Less traffic/s);

        // Export: the one-page summary with the map downloads as a PNG.
        await expect
          .poll(() => page.getByTestId('export-summary').isEnabled(), { timeout: SLOW })
          .toBe(true);
        await waitForMap(page);
        const [download] = await Promise.all([
          page.waitForEvent('download', { timeout: 60_000 }),
          page.getByTestId('export-summary').click(),
        ]);
        expect(download.suggestedFilename()).toMatch(
          new RegExp(`^scenario-${s.id}-v\\d+-summary\\.png$`),
        );
        const summary = join(ARTIFACTS_DIR, 'scenario-summary.png');
        await download.saveAs(summary);
        const png = readFileSync(summary);
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        expect(png.readUInt32BE(16)).toBe(1240);
        expect(png.readUInt32BE(20)).toBe(1754);
        expect(await page.getByTestId('export-csv').getAttribute('href')).toBe(
          `/api/scenarios/${s.id}/export?format=csv`,
        );

        // The comparison table: both scenarios, every KPI, with deltas.
        await page.getByTestId('compare-table-open').click();
        await page.getByTestId('compare-run').click();
        const table = page.getByTestId('compare-table');
        await expect
          .poll(() => table.locator('tbody tr').count(), { timeout: SLOW })
          .toBeGreaterThan(10);
        expect(await table.locator('thead').textContent()).toMatch(/Closed street.*Two lanes/s);
        expect(await table.locator('tr[data-key="traffic.vehicle_hours"] td').count()).toBe(5);
        expect(await table.textContent()).toMatch(/Sources \(\d+\)/);
        await shot(page, 'compare-table-1440');
        await page.getByLabel('Close the comparison').click();

        // The same link on a phone.
        await page.setViewportSize({ width: 390, height: 844 });
        await openMap(
          page,
          origin,
          `#map=16/${road.lat}/${road.lon}/0/0&layers=buildings,roads&scenario=${s.id}&compare=swipe`,
        );
        await expect
          .poll(() => page.getByTestId('scenario-select').inputValue(), { timeout: 60_000 })
          .toBe(s.id);
        await page.getByTestId('phone-scenario').click();
        await waitForMap(page);
        await shot(page, 'share-restored-390');
        expect(log.pageErrors).toEqual([]);
      }
    },
    SLOW * 2,
  );

  it(
    'steps through a story of three views full-screen, and a story link opens it in a new page',
    async ({ page, browser, origin, road, log }) => {
      await page.setViewportSize({ width: 1440, height: 900 });
      await openMap(page, origin, `#map=15/${road.lat}/${road.lon}/0/0&layers=buildings,roads`);
      await page.getByTestId('story-panel').locator('summary').click();
      const views = [
        { caption: 'The centre from above', zoom: 15, dx: 0, pitch: 0 },
        { caption: 'Closer: the street in question', zoom: 17, dx: 0.002, pitch: 0 },
        { caption: 'The same street in 3D', zoom: 16.5, dx: -0.002, pitch: 50 },
      ];
      for (const v of views) {
        await page.evaluate(
          (c) =>
            (globalThis as unknown as PageGlobals).__twin!.map.jumpTo({
              center: [c.lon, c.lat],
              zoom: c.zoom,
              bearing: 0,
              pitch: c.pitch,
            }),
          { lon: road.lon + v.dx, lat: road.lat, zoom: v.zoom, pitch: v.pitch },
        );
        await page.getByTestId('story-caption-input').fill(v.caption);
        await page.getByTestId('story-add').click();
      }
      await expect
        .poll(() => page.getByTestId('story-panel').locator('summary').textContent())
        .toBe('Story (3 views)');
      const link = await page.getByTestId('story-link').inputValue();

      await page.getByTestId('story-present').click();
      const caption = page.getByTestId('story-caption');
      const step = page.getByTestId('story-step');
      for (let i = 0; i < views.length; i++) {
        if (i > 0) await page.getByTestId('story-next').click();
        await expect.poll(() => caption.textContent()).toBe(views[i]!.caption);
        expect(await step.textContent()).toBe(`${i + 1} / 3`);
        await page.waitForFunction(
          () => !(globalThis as unknown as Globals).__twin!.map.isMoving(),
          null,
          { timeout: 60_000 },
        );
        const cam = await cameraOf(page);
        expect(cam.zoom).toBeCloseTo(views[i]!.zoom, 1);
        expect(metres(cam, { lon: road.lon + views[i]!.dx, lat: road.lat })).toBeLessThan(5);
        // Presenting: the workspace's panels are hidden, the URL holds the story and step.
        expect(await page.getByTestId('layer-column').isVisible()).toBe(false);
        expect(
          await page.evaluate(() => (globalThis as unknown as PageGlobals).location.hash),
        ).toMatch(new RegExp(`story=[A-Za-z0-9_-]+&step=${i + 1}$`));
        if (i === 1) {
          await waitForMap(page);
          await shot(page, 'story-step-2-1440');
        }
      }
      await page.getByTestId('story-exit').click();
      expect(await page.getByTestId('layer-column').isVisible()).toBe(true);

      // The link opens the story in another page, presenting from its first view.
      const other = await browser.context.newPage();
      try {
        await other.setViewportSize({ width: 390, height: 844 });
        await other.goto(link.replace('#', '?debug#'));
        await expect
          .poll(() => other.getByTestId('story-caption').textContent(), { timeout: 60_000 })
          .toBe(views[0]!.caption);
        await other.getByTestId('story-next').click();
        await expect.poll(() => other.getByTestId('story-step').textContent()).toBe('2 / 3');
        await other.waitForFunction(
          () => Boolean((globalThis as unknown as PageGlobals).__twin),
          null,
          { timeout: 60_000 },
        );
        await waitForMap(other);
        await shot(other, 'story-step-2-390');
      } finally {
        await other.close();
      }
      expect(log.pageErrors).toEqual([]);
    },
    SLOW,
  );

  it(
    'at 390×844 opens and closes every panel with the map still in view',
    async ({ page, origin, road, log }) => {
      await page.setViewportSize({ width: 390, height: 844 });
      // Opened on a phone with no camera in the URL: the home view frames the city close enough
      // for its buildings (their layer starts at zoom 12), not a 50 px wide city at zoom 9.
      await openMap(page, origin);
      expect((await cameraOf(page)).zoom).toBeGreaterThan(12);
      await shot(page, 'phone-home-390');
      await openMap(page, origin, `#map=16/${road.lat}/${road.lon}/0/0&layers=buildings,roads`);
      const box = (id: string) =>
        page.evaluate((id) => {
          const r = (globalThis as unknown as Globals).document
            .querySelector(`[data-testid="${id}"]`)
            ?.getBoundingClientRect();
          return r
            ? { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height }
            : null;
        }, id);
      // Closed: only the panel bar and the tools; the map has the screen.
      expect(await page.getByTestId('layer-column').isVisible()).toBe(false);
      expect(await page.getByTestId('scenario-column').isVisible()).toBe(false);
      expect(await page.getByTestId('map-tools').isVisible()).toBe(true);
      await shot(page, 'phone-closed-390');

      for (const [button, panel, name] of [
        ['phone-layers', 'layer-column', 'layers'],
        ['phone-scenario', 'scenario-column', 'scenario'],
      ] as const) {
        await page.getByTestId(button).click();
        expect(await page.getByTestId(panel).isVisible()).toBe(true);
        const b = (await box(panel))!;
        // Inside the screen, and at least a third of the map's height left uncovered.
        expect(b.left).toBeGreaterThanOrEqual(0);
        expect(b.right).toBeLessThanOrEqual(390);
        expect(b.height).toBeLessThan(844 * 0.6);
        await waitForMap(page);
        await shot(page, `phone-${name}-open-390`);
        await page.getByTestId(button).click();
        expect(await page.getByTestId(panel).isVisible()).toBe(false);
      }
      // The layers drawer also closes with its own button; the inspect panel opens under the bar.
      await page.getByTestId('phone-layers').click();
      await page.getByLabel('Close layers').click();
      expect(await page.getByTestId('layer-column').isVisible()).toBe(false);
      // The map still takes a pan: the camera moves under a drag in the middle of the screen.
      const before = await cameraOf(page);
      await page.mouse.move(195, 420);
      await page.mouse.down();
      await page.mouse.move(120, 360, { steps: 6 });
      await page.mouse.up();
      await page.waitForFunction(
        () => !(globalThis as unknown as Globals).__twin!.map.isMoving(),
        null,
        { timeout: 60_000 },
      );
      expect(metres(await cameraOf(page), before)).toBeGreaterThan(5);
      expect(log.pageErrors).toEqual([]);
    },
    SLOW,
  );
});
