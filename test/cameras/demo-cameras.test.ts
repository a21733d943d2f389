import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { PNG } from 'pngjs';
import type { CameraListResponse } from '../../common/camera-types';
import { DEMO_CAMERA_PREFIX } from '../../data/demo-cameras';
import { registerDemoCameras } from '../../server/cameras/demo-cameras';
import { CameraSimulator } from '../../server/cameras/camera-simulator';
import { Simulator } from '../../server/sensors/simulator';
import { createTestTwin, type TestTwin } from '../support/twin';

describe('demo traffic cameras', () => {
  let twin: TestTwin;

  beforeAll(async () => {
    twin = await createTestTwin('pglite');
  });

  afterAll(async () => {
    await twin?.sensors.stop();
    await twin?.dispose();
  });

  it('registers a few dozen cameras at major junctions, each with flow and speed counts on its link', async () => {
    const made = await registerDemoCameras(twin.backend.db);
    expect(made).toBeGreaterThanOrEqual(24);
    expect(made).toBeLessThanOrEqual(36);
    // Idempotent: a restart registers none again.
    expect(await registerDemoCameras(twin.backend.db)).toBe(0);
    const { cameras } = (await (
      await twin.app.request('/api/cameras')
    ).json()) as CameraListResponse;
    const demo = cameras.filter((c) => c.external_id.startsWith(DEMO_CAMERA_PREFIX));
    expect(demo).toHaveLength(made);
    for (const c of demo) {
      expect(c.simulated).toBe(true);
      expect(c.links).toHaveLength(1);
      expect(c.counts.map((k) => k.kind)).toEqual(['traffic_flow', 'traffic_speed']);
    }
    // The watched links are arterials or collectors, and every camera is at one of its ends.
    const { rows } = await sql<{
      bad: number;
    }>`SELECT count(*)::int AS bad FROM cameras c JOIN sensors s ON s.id = c.sensor_id
      JOIN road_links l ON l.id = c.link_ids[1]
      WHERE l.class NOT IN ('arterial', 'collector') OR NOT ST_DWithin(s.geom, ST_StartPoint(l.geom), 1) AND NOT ST_DWithin(s.geom, ST_EndPoint(l.geom), 1)`.execute(
      twin.backend.db,
    );
    expect(rows[0]!.bad).toBe(0);
  });

  it('simulates their counts as readings and their frames as labelled PNGs drawn from them', async () => {
    const sim = new Simulator(twin.sensors, { periodS: 60 });
    await sim.start();
    try {
      await sim.tick(Date.now() + 61_000);
      const { rows } = await sql<{
        kind: string;
        n: number;
      }>`SELECT s.kind, count(*)::int AS n FROM sensor_state st JOIN sensors s ON s.id = st.sensor_id
        WHERE s.external_id LIKE ${`${DEMO_CAMERA_PREFIX}%`} GROUP BY s.kind ORDER BY s.kind`.execute(
        twin.backend.db,
      );
      // Counts, never readings of the camera itself.
      expect(rows.map((r) => r.kind)).toEqual(['traffic_flow', 'traffic_speed']);
    } finally {
      await sim.stop();
    }
    const cameras = new CameraSimulator({
      db: twin.backend.db,
      log: twin.sensors.log,
      periodS: 30,
      limits: { retentionH: 24, budgetBytes: 1 << 24 },
    });
    const stored = await cameras.tick(new Date());
    const { rows: n } = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM cameras c JOIN sensors s ON s.id = c.sensor_id WHERE s.external_id LIKE ${`${DEMO_CAMERA_PREFIX}%`}`.execute(
      twin.backend.db,
    );
    expect(stored).toBe(n[0]!.n);
    const one = await twin.backend.db
      .selectFrom('camera_frames')
      .select(['content_type', 'image'])
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(one.content_type).toBe('image/png');
    const png = PNG.sync.read(Buffer.from(one.image));
    expect([png.width, png.height]).toEqual([320, 180]);
    // The top band carries the amber SIMULATED label.
    let amber = 0;
    for (let y = 0; y < 20; y++)
      for (let x = 0; x < 120; x++) {
        const i = (y * png.width + x) * 4;
        if (png.data[i] === 255 && png.data[i + 1] === 196 && png.data[i + 2] === 0) amber++;
      }
    expect(amber).toBeGreaterThan(100);
  });
});
