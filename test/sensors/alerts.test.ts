import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MaintenanceRisk, SensorAlert } from '../../common/sensor-types';
import { startSensorRuntime } from '../../server/sensors/sensor-runtime';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import { demoSensor, eventually, ingestStuckReadings, TEST_KEY } from './helpers';

describe.each(BACKENDS)('anomaly alerts and maintenance risk on %s', (kind) => {
  let twin: TestTwin;

  beforeAll(async () => {
    twin = await createTestTwin(kind, { TWIN_INGEST_KEYS: TEST_KEY, TWIN_DATA_DIR: 'memory://' });
    await startSensorRuntime(twin.sensors, { mqtt: false, simulator: false, anomalies: true });
  });

  afterAll(async () => {
    await twin?.sensors.stop();
    await twin?.dispose();
  });

  it("opens a stuck alert for a sensor repeating one value, lists it and raises its asset's risk", async () => {
    const sensor = await demoSensor(twin.backend.db, 'water_pressure', 2);
    expect(await ingestStuckReadings(twin.app, sensor.id, 3.7)).toBe(15);

    let alerts: SensorAlert[] = [];
    await eventually(async () => {
      alerts = (
        (await (
          await twin.app.request('/api/alerts', { headers: await twin.as('planner') })
        ).json()) as { alerts: SensorAlert[] }
      ).alerts;
      return alerts.some((a) => a.sensor === sensor.id);
    }, 'the stuck alert');
    const stuck = alerts.find((a) => a.sensor === sensor.id)!;
    expect(stuck).toMatchObject({
      kind: 'stuck',
      external_id: sensor.external_id,
      asset_type: 'water_node',
      value: 3.7,
    });

    const risk = (
      (await (
        await twin.app.request('/api/maintenance?asset_type=water_node', {
          headers: await twin.as('planner'),
        })
      ).json()) as {
        assets: MaintenanceRisk[];
      }
    ).assets;
    const asset = risk.find((r) => r.asset_id === stuck.asset_id)!;
    expect(asset.risk).toBeGreaterThan(0);
    expect(asset.alerts.stuck).toBe(1);
    expect(
      risk.filter((r) => r.asset_id !== stuck.asset_id).every((r) => r.risk <= asset.risk),
    ).toBe(true);
    expect(
      (
        await twin.app.request('/api/maintenance?asset_type=road_link', {
          headers: await twin.as('planner'),
        })
      ).status,
    ).toBe(400);
  });
});
