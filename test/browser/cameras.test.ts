import { join } from 'node:path';
import { expect } from 'vitest';
import { renderTrafficFrame } from '../../server/cameras/frame-renderer';
import { describeInChromium, openMap, waitForMap, type PageGlobals } from '../support/browser';
import { mapTest } from '../support/map-test';
import { ARTIFACTS_DIR } from '../support/paths';
import { AUTH, TEST_KEY } from '../sensors/helpers';
import { registerCamera } from '../cameras/support';

const SLOW = 240_000;

/** The page's thumbnail `<img>`, as `page.waitForFunction` reads it (no DOM types here). */
interface Img {
  complete: boolean;
  naturalWidth: number;
  getAttribute(name: string): string | null;
}
/** True in the page once the thumbnail shows `src`, decoded. */
const thumbnailShows = (src: string) => {
  const img = (
    globalThis as unknown as { document: { querySelector(s: string): Img | null } }
  ).document.querySelector('[data-testid=camera-thumbnail]');
  return img?.getAttribute('src') === src && img.complete && img.naturalWidth === 320;
};
const it = mapTest({ TWIN_INGEST_KEYS: TEST_KEY, TWIN_DATA_DIR: 'memory://' });

describeInChromium('traffic cameras in Chromium', () => {
  it(
    'opens a clicked camera with its thumbnail, which updates when a new frame is posted',
    async ({ twin, origin, page, log, session }) => {
      const cam = await registerCamera(twin, 'browser-cam');
      const sendFrame = async (ts: Date, flow: number) => {
        const image = renderTrafficFrame({
          flowVehH: flow,
          speedKmh: 30,
          label: 'browser cam',
          at: ts,
          seed: 3,
        });
        const res = await twin.app.request(`/api/cameras/${cam.id}/frames?ts=${ts.toISOString()}`, {
          method: 'POST',
          headers: { 'Content-Type': 'image/png', ...AUTH },
          body: new Uint8Array(image) as Uint8Array<ArrayBuffer>,
        });
        expect(res.status).toBe(201);
        return ts.toISOString();
      };
      // Its counts, as readings over the ingest path: the panel charts them.
      const now = Date.now();
      const counts = Array.from({ length: 12 }, (_, i) => [
        { sensor: 'browser-cam-flow', ts: now - (12 - i) * 300_000, value: 600 + i * 60 },
        { sensor: 'browser-cam-speed', ts: now - (12 - i) * 300_000, value: 45 - i * 2 },
      ]).flat();
      const ingest = await twin.app.request('/api/ingest/readings', {
        method: 'POST',
        headers: AUTH,
        body: JSON.stringify(counts),
      });
      expect(((await ingest.json()) as { accepted: number }).accepted).toBe(counts.length);
      const first = await sendFrame(new Date(Date.now() - 20_000), 600);
      // Frames are staff-only (issue #17): a planner sees them.
      await session.signIn('planner');
      await page.setViewportSize({ width: 1440, height: 900 });
      const [lon, lat] = cam.location;
      await openMap(page, origin, `#map=17.5/${lat}/${lon}/0/0&layers=roads,land_use`);
      await waitForMap(page);
      const at = await page.evaluate(
        ({ lon, lat }) => (globalThis as unknown as PageGlobals).__twin!.map.project([lon, lat]),
        { lon, lat },
      );

      // Hover: the latest frame's age.
      await page.mouse.move(at.x, at.y);
      await page.getByTestId('camera-hover').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('camera-hover').textContent()).toMatch(
        /Latest frame: \d+ s ago/,
      );

      await page.mouse.click(at.x, at.y);
      const thumb = page.getByTestId('camera-thumbnail');
      await page.waitForFunction(thumbnailShows, `/api/cameras/${cam.id}/frames/${first}`, {
        timeout: 30_000,
      });
      expect(await page.getByTestId('camera-panel').textContent()).toContain('Camera browser-cam');
      await page.getByTestId('camera-counts').locator('canvas').waitFor({ timeout: 30_000 });

      // A new frame is pushed over the live stream: the thumbnail follows without a reload.
      const second = await sendFrame(new Date(Date.now() - 1000), 1500);
      await page.waitForFunction(thumbnailShows, `/api/cameras/${cam.id}/frames/${second}`, {
        timeout: 30_000,
      });
      expect(await page.getByTestId('camera-strip').locator('img').count()).toBe(2);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'camera-desktop.png') });

      await page.setViewportSize({ width: 390, height: 844 });
      await waitForMap(page);
      expect(await thumb.isVisible()).toBe(true);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'camera-phone.png') });
      // Only the two frame images and the list were fetched for this camera: no polling.
      const polls = await page.evaluate(
        () =>
          performance
            .getEntriesByType('resource')
            .filter((e) => e.name.includes('/frame?') || /\/api\/cameras$/.test(e.name)).length,
      );
      expect(polls).toBeLessThanOrEqual(2);
      expect(log.pageErrors).toEqual([]);
    },
    SLOW,
  );
});
