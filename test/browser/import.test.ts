import { join } from 'node:path';
import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { describeInChromium, openMap, waitForMap, type PageGlobals } from '../support/browser';
import { mapTest } from '../support/map-test';
import { ARTIFACTS_DIR } from '../support/paths';
import { pointFeatures } from '../imports/support';

const SLOW = 240_000;
/** An imported layer's one colour (web/src/lib/layers/custom-layer.ts, CUSTOM_COLOR). */
const CUSTOM_COLOR = [228, 87, 46];
const it = mapTest()
  // A point inside the footprint of the building nearest the centre: a 3D building stands on it.
  .extend('underRoof', { scope: 'file' }, async ({ twin }) => {
    const [lon, lat] = DEFAULT_DEMO_CENTER;
    const { rows } = await sql<{ lon: number; lat: number }>`
      SELECT ST_X(p) AS lon, ST_Y(p) AS lat FROM (
        SELECT ST_Transform(ST_PointOnSurface(geom), 4326) AS p FROM buildings
        ORDER BY geom <-> ST_Transform(ST_SetSRID(ST_MakePoint(${lon}, ${lat}), 4326), 3857) LIMIT 1) AS q`.execute(
      twin.backend.db,
    );
    return { lon: Number(rows[0]!.lon), lat: Number(rows[0]!.lat) };
  });

/** OSM-tagged streets: two known `highway` values and one the twin has no class for. */
const STREETS = {
  type: 'FeatureCollection',
  features: ['primary', 'residential', 'footway'].map((highway, i) => ({
    type: 'Feature',
    properties: { highway, name: `Street ${i}` },
    geometry: {
      type: 'LineString',
      coordinates: [
        [5.12 + i * 0.001, 52.09],
        [5.12 + i * 0.001, 52.091],
      ],
    },
  })),
};

/** Pixels of a PNG within `tolerance` (sum of channel differences) of `rgb`. */
const pixelsNear = (page: Page, png: Buffer, rgb: readonly number[], tolerance = 60) =>
  page.evaluate(
    async ({ png, rgb, tolerance }) => {
      const g = globalThis as unknown as PageGlobals & typeof globalThis;
      const bytes = Uint8Array.from(atob(png), (ch) => ch.charCodeAt(0));
      const bitmap = await g.createImageBitmap(new Blob([bytes], { type: 'image/png' }));
      const canvas = new g.OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const d =
          Math.abs(data[i]! - rgb[0]!) +
          Math.abs(data[i + 1]! - rgb[1]!) +
          Math.abs(data[i + 2]! - rgb[2]!);
        if (d <= tolerance) n++;
      }
      return n;
    },
    { png: png.toString('base64'), rgb: [...rgb], tolerance },
  );

/** Two trees in the demo city, one beyond the pole (which the import rejects), one under a roof. */
const trees = (underRoof: { lon: number; lat: number }) =>
  pointFeatures([
    ['t1', { species: 'Tilia', height: 12 }, [5.1214, 52.0907]],
    ['t2', { species: 'Quercus', height: 20 }, [5.122, 52.091]],
    ['t3', { species: 'Nowhere', height: 1 }, [5.122, 95]],
    ['t4', { species: 'Tilia', height: 8 }, [underRoof.lon, underRoof.lat]],
  ]);

describeInChromium('the import page in Chromium', () => {
  it(
    'uploads a file, previews its fields, imports it into a new layer and shows the report',
    async ({ page, origin, log, session, underRoof }) => {
      // Issue #9: imports are GIS staff's.
      await session.signIn('gis');
      await page.setViewportSize({ width: 1440, height: 900 });
      await openMap(page, origin);
      await page.getByRole('button', { name: 'Import data…' }).click();
      const file = page.locator('[data-testid=import-panel] input[type=file]');
      const preview = page.getByTestId('import-preview');

      // Issue #12 item 6: before confirming, an OSM-tagged file's values and what they become.
      await file.setInputFiles({
        name: 'streets.geojson',
        mimeType: 'application/geo+json',
        buffer: Buffer.from(JSON.stringify(STREETS)),
      });
      await preview.waitFor({ timeout: 60_000 });
      await page.getByRole('combobox', { name: 'Layer' }).selectOption('roads');
      const highway = page.locator('[data-testid=import-value-mapping][data-source=highway] li');
      await expect
        .poll(async () => (await highway.allTextContents()).map((t) => t.trim()), {
          timeout: 30_000,
        })
        .toEqual(['primary → arterial', 'residential → local', 'footway → local (not recognised)']);
      expect(
        await page
          .locator('[data-testid=import-value-mapping][data-source=highway] li.unmapped')
          .count(),
      ).toBe(1);

      // Then the file that is imported.
      await file.setInputFiles({
        name: 'trees.geojson',
        mimeType: 'application/geo+json',
        buffer: Buffer.from(JSON.stringify(trees(underRoof))),
      });
      await expect
        .poll(() => preview.textContent(), { timeout: 60_000 })
        .toMatch(/geojson, EPSG:4326 — first 4 features, 1 with problems/);
      await page.getByRole('combobox', { name: 'Layer' }).selectOption('custom');
      await page.getByRole('textbox', { name: 'Layer name' }).fill('street_trees');
      await page.getByRole('textbox', { name: 'new field' }).fill('species');
      await page.getByRole('button', { name: 'Add field' }).click();
      // The sample values of the mapped source field are shown beside its expression.
      await expect
        .poll(() => page.locator('.mapping .samples').first().textContent())
        .toContain('Tilia');
      await page.getByRole('button', { name: 'Import into street_trees' }).click();
      const counts = page.getByTestId('import-counts');
      await counts.waitFor({ timeout: 120_000 });
      await expect
        .poll(() => counts.textContent(), { timeout: 60_000 })
        .toMatch(/accepted 3, repaired 0, rejected 1/);
      await expect
        .poll(() => page.locator('.report').textContent(), { timeout: 30_000 })
        .toMatch(/latitude 95/);
      // The new layer is listed with its attributes in the panel of imported layers, and shown.
      const imported = page.getByTestId('imported-layers');
      await expect
        .poll(() => imported.textContent(), { timeout: 30_000 })
        .toMatch(/street_trees.*point.*species \(text\)/s);
      expect(await page.getByRole('checkbox', { name: 'street_trees' }).isChecked()).toBe(true);
      // Issue #12 item 6: it lands without a reload, and the map offers to fly to it.
      await page.getByTestId('import-fly').click();
      await page.getByRole('button', { name: 'Close import' }).click();
      await expect
        .poll(() => log.requests.some((u) => u.includes('/tiles/street_trees/')), {
          timeout: 60_000,
        })
        .toBe(true);
      await waitForMap(page);
      // The imported trees are in view, close up.
      const view = await page.evaluate(() => {
        type Map = {
          getZoom(): number;
          getBounds(): {
            getWest(): number;
            getSouth(): number;
            getEast(): number;
            getNorth(): number;
          };
        };
        const m = (globalThis as unknown as { __twin: { map: Map } }).__twin.map;
        const b = m.getBounds();
        return {
          w: b.getWest(),
          s: b.getSouth(),
          e: b.getEast(),
          n: b.getNorth(),
          zoom: m.getZoom(),
        };
      });
      expect(view.zoom).toBeGreaterThan(15);
      expect(view.w).toBeLessThan(5.1214);
      expect(view.e).toBeGreaterThan(5.122);
      expect(view.s).toBeLessThan(52.0907);
      expect(view.n).toBeGreaterThan(52.091);
      // Its card: count, geometry and a legend; coloured by a field, the legend lists its values.
      expect(await imported.textContent()).toMatch(/street_trees\s*3 points/);
      // Issue #12 item 5: the tree inside a building's footprint is drawn over the 3D
      // building standing on it, not hidden under its roof.
      const p = await page.evaluate(
        (c) => (globalThis as unknown as PageGlobals).__twin!.map.project(c),
        [underRoof.lon, underRoof.lat] as [number, number],
      );
      const clip = await page.screenshot({
        clip: { x: p.x - 8, y: p.y - 8, width: 16, height: 16 },
      });
      expect(await pixelsNear(page, clip, CUSTOM_COLOR)).toBeGreaterThan(4);
      const legend = page.getByTestId('custom-legend');
      expect(await legend.textContent()).toContain('street_trees');
      await page.getByTestId('custom-color-by').selectOption('species');
      await expect
        .poll(() => legend.textContent(), { timeout: 60_000 })
        .toMatch(/species.*(Tilia.*Quercus|Quercus.*Tilia)/s);
      await waitForMap(page);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'import-done.png') });
      await page.setViewportSize({ width: 390, height: 844 });
      await page.getByTestId('phone-layers').click();
      // The drawer scrolls: bring the new layer's card into the picture.
      await imported.scrollIntoViewIfNeeded();
      await waitForMap(page);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'import-done-390.png') });
      expect(log.pageErrors).toEqual([]);
      // GIS staff see the new layer; the public do not until it is published (issue #9).
      const names = async (res: { json(): Promise<unknown> }) =>
        ((await res.json()) as { layers: { name: string }[] }).layers.map((l) => l.name);
      expect(await names(await page.request.get(`${origin}/tiles/catalog.json`))).toContain(
        'street_trees',
      );
      expect(await names(await fetch(`${origin}/tiles/catalog.json`))).not.toContain(
        'street_trees',
      );
    },
    SLOW * 2,
  );
});
