import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { ScenarioWithEdits } from '../../common/scenario-types';
import { describeInChromium, openMap, waitForMap, type PageGlobals } from '../support/browser';
import { dragOnMap, footprintAround, mapTest, openSite } from '../support/map-test';
import { ARTIFACTS_DIR } from '../support/paths';

/** SwiftShader renders slowly: each settled view can take tens of seconds. */
const SLOW = 300_000;

const it = mapTest()
  // A spot near the centre with no building within 70 m, where the building is drawn.
  .extend('site', { scope: 'file' }, async ({ twin }) => openSite(twin.backend.db));

/** The map's pitch and bearing. */
const tilt = (page: Page) =>
  page.evaluate(() => {
    const m = (globalThis as unknown as PageGlobals).__twin!.map;
    return { pitch: m.getPitch(), bearing: m.getBearing() };
  });

/** Tilts the map into a 3D view and waits for it to draw. */
async function tiltTo(page: Page, pitch: number, bearing: number): Promise<void> {
  await page.evaluate(
    (c) => {
      const map = (globalThis as unknown as PageGlobals).__twin!.map as unknown as {
        jumpTo(o: { pitch: number; bearing: number }): void;
      };
      map.jumpTo(c);
    },
    { pitch, bearing },
  );
  await waitForMap(page);
}

/** Where a lon/lat falls on the page. */
const at = (page: Page, lon: number, lat: number) =>
  page.evaluate((p) => (globalThis as unknown as PageGlobals).__twin!.map.project(p), [
    lon,
    lat,
  ] as [number, number]);

/**
 * What draws a shape being edited: the changes layer's blue (web/src/lib/layers/changes-layer.ts,
 * added building / road) and terra-draw's points and outline (its default #3f97e0).
 */
const SHAPE_COLOURS: [number, number, number][] = [
  [0x25, 0x63, 0xeb],
  [0x3f, 0x97, 0xe0],
];

/**
 * How many pixels of each `clips` region of a screenshot (`png`) have one of SHAPE_COLOURS
 * (within 24 per channel, a little anti-aliasing allowed). Decoded in the page itself.
 */
function shapePixels(
  page: Page,
  png: Buffer,
  clips: { x: number; y: number; width: number; height: number }[],
): Promise<number[]> {
  return page.evaluate(
    async ({ png, clips, colours }) => {
      const g = globalThis as unknown as PageGlobals;
      const bytes = Uint8Array.from(atob(png), (ch) => ch.charCodeAt(0));
      const bitmap = await g.createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new g.OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d');
      ctx.drawImage(bitmap, 0, 0);
      return clips.map(({ x, y, width, height }) => {
        const { data } = ctx.getImageData(x, y, width, height);
        let n = 0;
        for (let i = 0; i < data.length; i += 4) {
          const near = colours.some(
            ([r, gr, b]) =>
              Math.abs(data[i]! - r!) <= 24 &&
              Math.abs(data[i + 1]! - gr!) <= 24 &&
              Math.abs(data[i + 2]! - b!) <= 24,
          );
          if (near) n++;
        }
        return n;
      });
    },
    { png: png.toString('base64'), clips, colours: SHAPE_COLOURS },
  );
}

/**
 * The end of a "Move corners / points" session on a wide screen, then the same on a phone: the
 * wide view is kept as `<shot>-1440.png`; "Done" goes back to the `camera` from before; at
 * 390 × 844 the edit's "Move" button in the bottom sheet frames the shape straight down in the
 * map above the sheet. Each of `points` (lon/lat) must fall in that upper half with the shape
 * drawn there — pixels of its colours within 8 px, not bare ground — kept as `<shot>-390.png`.
 * Then the sheet is closed and the page is wide again.
 */
async function checkOnPhone(
  page: Page,
  item: Locator,
  camera: { pitch: number; bearing: number },
  points: [number, number][],
  shot: string,
): Promise<void> {
  await waitForMap(page);
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${shot}-1440.png`) });
  await item.getByTestId('edit-corners-done').click();
  await expect
    .poll(async () => (await tilt(page)).pitch, { timeout: 30_000 })
    .toBeCloseTo(camera.pitch, 0);
  expect((await tilt(page)).bearing).toBeCloseTo(camera.bearing, 0);

  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByTestId('phone-scenario').click();
  await item.getByTestId('edit-corners').scrollIntoViewIfNeeded();
  await item.getByTestId('edit-corners').click();
  await expect.poll(async () => (await tilt(page)).pitch, { timeout: 30_000 }).toBe(0);
  await waitForMap(page);
  const clips = [];
  for (const [lon, lat] of points) {
    const p = await at(page, lon, lat);
    expect(p.x).toBeGreaterThan(8);
    expect(p.x).toBeLessThan(390 - 8);
    expect(p.y).toBeGreaterThan(8);
    expect(p.y).toBeLessThan(844 / 2 - 8);
    clips.push({ x: Math.round(p.x) - 8, y: Math.round(p.y) - 8, width: 16, height: 16 });
  }
  // The pixels of the very screenshot that is kept: a clipped screenshot of a small region drew
  // the shape even while the whole page showed the map above the sheet blank.
  const png = await page.screenshot({ path: join(ARTIFACTS_DIR, `${shot}-390.png`) });
  const drawn = await shapePixels(page, png, clips);
  drawn.forEach((n, i) =>
    expect(n, `shape pixels around ${points[i]!.join(', ')}`).toBeGreaterThanOrEqual(12),
  );
  await item.getByTestId('edit-corners-done').click();
  await page.getByTestId('phone-scenario').click();
  await page.setViewportSize({ width: 1440, height: 900 });
}

describeInChromium('editing a drawn building in Chromium', () => {
  it(
    'drags a corner of a drawn building: the saved footprint changes and the impact is computed again',
    async ({ page, origin, log, site, session }) => {
      await session.signIn('planner');
      await page.setViewportSize({ width: 1440, height: 900 });
      await openMap(
        page,
        origin,
        `#map=17/${site.lat}/${site.lon + 0.0012}/0/0&layers=buildings,roads`,
      );
      await page.getByLabel('New scenario name').fill('Corner moves');
      await page.getByTestId('scenario-create').click();
      await expect.poll(() => page.getByTestId('scenario-select').inputValue()).not.toBe('');
      const id = await page.getByTestId('scenario-select').inputValue();
      const gfaCell = page.getByTestId('impact-panel').locator('tr[data-key="gfa_m2"] td');
      await expect.poll(() => gfaCell.textContent(), { timeout: SLOW }).toBe('0 m²');

      // A ~50 × 50 m footprint: four corners, then the first again.
      const corners = footprintAround(site);
      await page.getByTestId('draw-building').click();
      for (const [lon, lat] of [...corners, corners[0]!]) {
        const p = await at(page, lon, lat);
        await page.mouse.move(p.x, p.y, { steps: 4 });
        await page.mouse.down();
        await page.mouse.up();
        await waitForMap(page);
      }
      const item = page.getByTestId('edit-list').locator('li[data-edit]').first();
      await expect.poll(() => item.textContent(), { timeout: 60_000 }).toMatch(/New building/);
      await expect
        .poll(() => gfaCell.textContent(), { timeout: SLOW })
        .toMatch(/^\+[1-9][0-9,]* m²/);
      const gfaBefore = Number((await gfaCell.textContent())!.replace(/[^\d]/g, ''));

      const saved = async () =>
        (await (
          await page.context().request.get(`${origin}/api/scenarios/${id}`)
        ).json()) as ScenarioWithEdits;
      const before = await saved();
      const edit = before.edits[0]!;
      expect(edit.kind).toBe('add_building');

      // A click on the drawn building on the map opens its edit in the list (pinned card).
      await waitForMap(page);
      const centre = await at(page, site.lon, site.lat);
      await page.mouse.move(centre.x, centre.y, { steps: 4 });
      await page.mouse.click(centre.x, centre.y);
      await item.getByTestId('edit-form').waitFor({ timeout: 30_000 });
      expect(await item.getByTestId('edit-floors').inputValue()).toBe('10');

      // Show its corners from a tilted 3D view: the map looks straight down while they move.
      await tiltTo(page, 50, 20);
      await page.getByTestId('edit-corners').click();
      await page.getByTestId('corners-hint').waitFor();
      await expect.poll(async () => (await tilt(page)).pitch, { timeout: 30_000 }).toBe(0);
      await waitForMap(page);
      // Drag the north-east corner 40 m further east.
      const [neLon, neLat] = corners[2]!;
      await dragOnMap(page, await at(page, neLon, neLat), await at(page, neLon + 0.0005, neLat));

      // Saved as a new version with the moved corner; the impact follows.
      await expect
        .poll(async () => (await saved()).version, { timeout: 60_000 })
        .toBeGreaterThan(before.version);
      const after = await saved();
      const ring = (after.edits[0] as { geometry: { coordinates: number[][][] } }).geometry
        .coordinates[0]!;
      expect(after.edits).toHaveLength(1);
      expect(after.edits[0]!.id).toBe(edit.id);
      expect(Math.max(...ring.map((c) => c[0]!))).toBeGreaterThan(neLon + 0.0004);
      await expect
        .poll(async () => Number((await gfaCell.textContent())!.replace(/[^\d]/g, '')), {
          timeout: SLOW,
        })
        .toBeGreaterThan(gfaBefore);
      // Back to the tilted camera from before; then on a phone the corners framed above the sheet.
      await checkOnPhone(
        page,
        item,
        { pitch: 50, bearing: 20 },
        [[neLon + 0.0005, neLat], corners[0]!],
        'edit-corners',
      );

      // Then the edit is removed from the list.
      await page.getByRole('button', { name: 'Remove this edit' }).click();
      await expect.poll(async () => (await saved()).edits.length, { timeout: 60_000 }).toBe(0);
      expect(log.pageErrors).toEqual([]);
    },
    SLOW * 2,
  );

  it(
    'drags a point of an added road in a top-down view: saved as a new version, camera back after',
    async ({ page, origin, log, site, session }) => {
      // Signed in by the file's first test (a second sign-in with a session needs a CSRF token).
      const who = (await (await page.request.get(`${origin}/api/session`)).json()) as {
        user: { role: string } | null;
      };
      if (who.user?.role !== 'planner') await session.signIn('planner');
      await page.setViewportSize({ width: 1440, height: 900 });
      const post = async <T>(path: string, body: unknown): Promise<T> => {
        const { csrf } = (await (await page.request.get(`${origin}/api/session`)).json()) as {
          csrf: string;
        };
        const res = await page.request.post(`${origin}${path}`, {
          data: body,
          headers: { 'X-CSRF-Token': csrf },
        });
        expect(res.ok()).toBe(true);
        return (await res.json()) as T;
      };
      // A new street across the open spot: west, middle and east points.
      const { id } = await post<{ id: string }>('/api/scenarios', { name: 'New street' });
      const line = [
        [site.lon - 0.0008, site.lat],
        [site.lon, site.lat],
        [site.lon + 0.0008, site.lat],
      ];
      await post(`/api/scenarios/${id}/edits`, {
        kind: 'add_road',
        name: 'Polish Lane',
        geometry: { type: 'LineString', coordinates: line },
      });
      const saved = async () =>
        (await (
          await page.context().request.get(`${origin}/api/scenarios/${id}`)
        ).json()) as ScenarioWithEdits;
      const before = await saved();

      // A fresh document: after the first test the page is already on the map, and a goto that
      // changes only the hash would not reload it, so the scenario in the hash would not be opened.
      await page.goto('about:blank');
      await openMap(
        page,
        origin,
        `#map=17/${site.lat}/${site.lon}/30/45&layers=buildings,roads&scenario=${id}`,
      );
      await expect
        .poll(() => page.getByTestId('scenario-select').inputValue(), { timeout: 60_000 })
        .toBe(id);
      const item = page.getByTestId('edit-list').locator('li[data-edit]').first();
      await expect.poll(() => item.textContent(), { timeout: 60_000 }).toMatch(/Polish Lane/);
      await item.getByTestId('edit-change').click();
      expect(await item.getByTestId('edit-corners').textContent()).toBe('Move points');
      await item.getByTestId('edit-corners').click();
      await page.getByTestId('corners-hint').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('corners-hint').textContent()).toMatch(/Drag a point/);
      await expect.poll(async () => (await tilt(page)).pitch, { timeout: 30_000 }).toBe(0);
      await waitForMap(page);

      // Drag the middle point 30 m north.
      await dragOnMap(
        page,
        await at(page, site.lon, site.lat),
        await at(page, site.lon, site.lat + 0.00027),
      );
      await expect
        .poll(async () => (await saved()).version, { timeout: 60_000 })
        .toBeGreaterThan(before.version);
      const after = await saved();
      const moved = (after.edits[0] as { geometry: { coordinates: number[][] } }).geometry
        .coordinates;
      expect(after.edits).toHaveLength(1);
      expect(after.edits[0]!.id).toBe(before.edits[0]!.id);
      expect(Math.max(...moved.map((c) => c[1]!))).toBeGreaterThan(site.lat + 0.0002);
      // The ends stay where they were.
      for (const [i, j] of [
        [0, 0],
        [moved.length - 1, 2],
      ] as const) {
        expect(moved[i]![0]).toBeCloseTo(line[j]![0]!, 7);
        expect(moved[i]![1]).toBeCloseTo(line[j]![1]!, 7);
      }
      // Back to the tilted, turned camera from before; then on a phone the road above the sheet.
      await checkOnPhone(
        page,
        item,
        { pitch: 45, bearing: 30 },
        [line[0]!, line[2]!] as [number, number][],
        'edit-road-points',
      );
      expect(log.pageErrors).toEqual([]);
    },
    SLOW,
  );
});
