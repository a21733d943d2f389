import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { CHROMIUM_PATH, HAS_CHROMIUM, openMap, waitForMap } from '../support/browser';
import { mapTest } from '../support/map-test';
import { ARTIFACTS_DIR } from '../support/paths';
import { pointFeatures } from '../imports/support';

const SLOW = 240_000;
const it = mapTest();

/** Two trees in the demo city and one beyond the pole, which the import rejects. */
const TREES = pointFeatures([
  ['t1', { species: 'Tilia', height: 12 }, [5.1214, 52.0907]],
  ['t2', { species: 'Quercus', height: 20 }, [5.122, 52.091]],
  ['t3', { species: 'Nowhere', height: 1 }, [5.122, 95]],
]);

describe.skipIf(!HAS_CHROMIUM)(
  `the import page in Chromium${HAS_CHROMIUM ? '' : ` (no Chromium at ${CHROMIUM_PATH}: skipped)`}`,
  () => {
    it(
      'uploads a file, previews its fields, imports it into a new layer and shows the report',
      async ({ page, origin, log, session }) => {
        // Issue #9: imports are GIS staff's.
        await session.signIn('gis');
        await page.setViewportSize({ width: 1440, height: 900 });
        await openMap(page, origin);
        await page.getByRole('button', { name: 'Import data…' }).click();
        await page.locator('[data-testid=import-panel] input[type=file]').setInputFiles({
          name: 'trees.geojson',
          mimeType: 'application/geo+json',
          buffer: Buffer.from(JSON.stringify(TREES)),
        });
        const preview = page.getByTestId('import-preview');
        await preview.waitFor({ timeout: 60_000 });
        expect(await preview.textContent()).toMatch(
          /geojson, EPSG:4326 — first 3 features, 1 with problems/,
        );
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
          .toMatch(/accepted 2, repaired 0, rejected 1/);
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
        expect(await imported.textContent()).toMatch(/street_trees\s*2 points/);
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
  },
);
