import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestFullPeakWindow } from '../../server/impact/count-data';
import { geh } from '../../server/impact/odme';
import { ImpactService } from '../../server/scenarios/impact-service';
import { startSensorRuntime } from '../../server/sensors/sensor-runtime';
import type { Simulator } from '../../server/sensors/simulator';
import { DEFAULT_DEMO_CENTER, DEFAULT_DEMO_SEED } from '../../data/seed-demo';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The least and greatest GEH of flows within ±d of m and of c (0 where they can be equal). */
function gehRange(m: number, c: number, d: number): [number, number] {
  const corners = [-d, d].flatMap((dm) =>
    [-d, d].map((dc) => geh(Math.max(0, m + dm), Math.max(0, c + dc))),
  );
  const lo = Math.abs(m - c) <= 2 * d ? 0 : Math.min(...corners);
  return [lo, Math.max(...corners)];
}

/** Polls the calibration until the baseline is calibrated (the app's own state, no fixed delay). */
async function calibrated(twin: TestTwin, until: (r: Json) => boolean): Promise<Json> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const res = await twin.app.request('/api/impact/calibration?wait=30');
    const body = (await res.json()) as Json;
    if (res.status === 200 && until(body)) return body;
    if (Date.now() > deadline)
      throw new Error(`calibration not ready: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe.each(BACKENDS)('traffic baseline calibrated to the demo counts on %s', (kind) => {
  let twin: TestTwin;
  let simulator: Simulator;
  let window: [Date, Date];
  beforeAll(async () => {
    twin = await createTestTwin(kind);
    const runtime = await startSensorRuntime(twin.sensors, {
      mqtt: false,
      anomalies: false,
      simulator: true,
      world: () => twin.impacts.demoWorld(DEFAULT_DEMO_SEED),
    });
    simulator = runtime.simulator!;
    // Only the backfilled counts below: no live readings, which during the peak hour itself would
    // land in its open window and move the counts between two reads of the baseline.
    await simulator.stop();
    // A whole hour, whatever the time of day the suite runs at (during the peak hour the latest
    // window is still open and holds only part of one).
    window = latestFullPeakWindow(new Date(), DEFAULT_DEMO_CENTER[0], 17);
  });
  afterAll(async () => {
    await twin?.sensors.stop();
    await twin?.dispose();
  });

  it('keeps the gravity matrix while there are only a few minutes of peak-hour counts', async () => {
    // Ten minutes of counts: less than the half hour calibration needs, so they do not swing it.
    await simulator.backfill(window[0].getTime() + 60_000, window[0].getTime() + 600_000, 300_000, [
      'traffic_flow',
    ]);
    const report = await calibrated(twin, (r) => r.sites.length > 0);
    expect(report.calibrated_at).toBeNull();
    expect(report.hours_of_data).toBeLessThan(0.5);
    const summary = await twin.impacts.baseline();
    expect(summary.calibration.status).toBe('insufficient_data');
  });

  it('estimates the OD matrix from a peak hour of counts: GEH < 5 on at least 85 % of the count sites', async () => {
    await simulator.backfill(window[0].getTime() + 600_000, window[1].getTime(), 300_000, [
      'traffic_flow',
    ]);
    const report = await calibrated(twin, (r) => r.calibrated_at !== null);
    expect(Object.keys(report).sort()).toEqual([
      'calibrated_at',
      'geh_lt_5_share',
      'hours_of_data',
      'sites',
    ]);
    expect(report.hours_of_data).toBeGreaterThanOrEqual(0.9);
    expect(report.sites.length).toBeGreaterThan(2000);
    for (const s of report.sites.slice(0, 50)) {
      expect(Object.keys(s).sort()).toEqual(['geh', 'modelled_veh_h', 'observed_veh_h', 'sensor']);
      // The flows are published to 0.1 veh/h: the GEH of the exact flows lies within what the
      // GEH takes over ±0.05 veh/h of each (on small flows that is more than 0.05 of GEH).
      const [lo, hi] = gehRange(s.modelled_veh_h, s.observed_veh_h, 0.05);
      expect(s.geh).toBeGreaterThanOrEqual(lo - 5e-4);
      expect(s.geh).toBeLessThanOrEqual(hi + 5e-4);
    }
    const share = report.sites.filter((s: Json) => s.geh < 5).length / report.sites.length;
    expect(report.geh_lt_5_share).toBeCloseTo(share, 3);
    expect(report.geh_lt_5_share).toBeGreaterThanOrEqual(0.85);
    const summary = await twin.impacts.baseline();
    console.info(
      `calibration on ${kind}: GEH < 5 on ${(100 * summary.calibration.geh_lt_5_share!).toFixed(1)} % of ${summary.calibration.sites} sites (uncalibrated ${(100 * summary.calibration.prior_geh_lt_5_share!).toFixed(1)} %)`,
    );
    // The estimation did work: the gravity matrix alone fits the counts worse.
    expect(summary.calibration.prior_geh_lt_5_share!).toBeLessThan(
      summary.calibration.geh_lt_5_share!,
    );
  });

  it('gives a believable peak: delay per trip below half the free-flow time, ≤ 5 % of links over capacity, gap ≤ 1e-4', async () => {
    const b = await twin.impacts.baseline();
    expect(b.calibration.status).toBe('calibrated');
    expect(b.kpis.mean_delay_s).toBeLessThan(0.5 * b.kpis.mean_free_flow_s);
    expect(b.kpis.over_capacity_share).toBeLessThanOrEqual(0.05);
    expect(b.gap).toBeLessThanOrEqual(1e-4);
    // And the impact panel's figures carry it: the calibration next to the traffic figures.
    const planner = await twin.as('planner');
    const s = (await (
      await twin.app.request('/api/scenarios', {
        method: 'POST',
        headers: { ...planner, 'Content-Type': 'application/json' },
        body: '{"name":"calibrated"}',
      })
    ).json()) as Json;
    const impact = (await (
      await twin.app.request(`/api/scenarios/${s.id}/impact?wait=60`, { headers: planner })
    ).json()) as Json;
    expect(impact.traffic.calibration).toMatchObject({
      status: 'calibrated',
      geh_lt_5_share: b.calibration.geh_lt_5_share,
    });
  });

  it('is stable: the same counts give the same baseline', async () => {
    const first = await twin.impacts.baseline();
    const other = new ImpactService(twin.backend.db);
    try {
      const again = await other.baseline();
      expect(again.key).toBe(first.key);
      expect(again.calibration.geh_lt_5_share).toBe(first.calibration.geh_lt_5_share);
      expect(again.report!.sites.map((s) => s.modelled_veh_h)).toEqual(
        first.report!.sites.map((s) => s.modelled_veh_h),
      );
      expect(again.kpis.vehicle_km).toBeCloseTo(first.kpis.vehicle_km, 6);
    } finally {
      await other.close();
    }
  });
});
