import { join } from 'node:path';
import { sql } from 'kysely';
import { expect } from 'vitest';
import { SPEED_RATIO_COLORS } from '../../web/src/lib/speed-colors';
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
import { AUTH, TEST_KEY } from '../sensors/helpers';

const JAMMED = SPEED_RATIO_COLORS.at(-1)!.color;
const SLOW = 240_000;
const it = mapTest({ TWIN_INGEST_KEYS: TEST_KEY });

describeInChromium('live road colours in Chromium', () => {
  it(
    'turns a road red once a jammed reading for its sensor is ingested, without reloading tiles',
    async ({ twin, origin, page, log }) => {
      // The longest arterial with a speed sensor: easy to see at street zoom.
      const { rows } = await sql<{ sensor: string; link: string; lon: number; lat: number }>`
        SELECT s.id AS sensor, s.link, ST_X(p) AS lon, ST_Y(p) AS lat FROM (
          SELECT s.id, r.id AS link, ST_Transform(ST_LineInterpolatePoint(r.geom, 0.5), 4326) AS p, r.length_m
          FROM sensors s JOIN road_links r ON r.id = s.asset_id
          WHERE s.kind = 'traffic_speed' AND s.asset_type = 'road_link' AND r.class = 'arterial') s
        ORDER BY length_m DESC LIMIT 1`.execute(twin.backend.db);
      const link = {
        sensor: String(rows[0]!.sensor),
        id: Number(rows[0]!.link),
        lon: Number(rows[0]!.lon),
        lat: Number(rows[0]!.lat),
      };

      await openMap(page, origin, `#map=17.5/${link.lat}/${link.lon}/0/0&layers=roads,land_use`);
      const clip = await centreOn(page, link, 17.5);
      const before = await countPalettePixels(page, [JAMMED], clip);
      expect(before.matching).toBe(0);

      const tiles = () =>
        page.evaluate(
          () =>
            performance.getEntriesByType('resource').filter((e) => e.name.includes('/tiles/roads'))
              .length,
        );
      const tilesBefore = await tiles();
      const res = await twin.app.request('/api/ingest/readings', {
        method: 'POST',
        headers: AUTH,
        body: JSON.stringify([{ sensor: link.sensor, ts: Date.now() - 1000, value: 1 }]),
      });
      expect(((await res.json()) as { accepted: number }).accepted).toBe(1);

      // The live stream brings the jammed ratio; then the recoloured road is drawn.
      await waitForTwin(
        page,
        (id) => {
          const { live } = (globalThis as unknown as PageGlobals).__twin!;
          return (live.roadRatio(id) ?? 1) < 0.4 && !live.redrawPending;
        },
        link.id,
      );
      const after = await countPalettePixels(page, [JAMMED], clip);
      expect(after.matching).toBeGreaterThanOrEqual(20);
      expect(await tiles()).toBe(tilesBefore);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'live-road-colour-after.png') });
      // The sensor panel's time slider and legend are on screen, and nothing failed in the page.
      expect(await page.getByTestId('sensor-time').textContent()).toBe('Live');
      expect(log.pageErrors).toEqual([]);
    },
    SLOW,
  );
});
