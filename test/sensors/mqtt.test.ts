import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSensorRuntime, type SensorRuntimeHandle } from '../../server/sensors/sensor-runtime';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import { countReadings, demoSensor, dropSession, eventually, SseReader, TEST_KEY } from './helpers';

const MQTT_URL = process.env.MQTT_URL;
const unique = () => randomBytes(4).toString('hex');

describe('MQTT ingest through the in-process broker (embedded default)', () => {
  let twin: TestTwin;
  let runtime: SensorRuntimeHandle;
  let dataDir: string;
  let sensor: { id: string; external_id: string };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'twin-mqtt-'));
    twin = await createTestTwin('pglite', {
      TWIN_INGEST_KEYS: TEST_KEY,
      TWIN_MQTT_PORT: '0',
      TWIN_DATA_DIR: dataDir,
      TWIN_MQTT_CLIENT_ID: `twin-test-${unique()}`,
    });
    runtime = await startSensorRuntime(twin.sensors, { mqtt: true, simulator: false });
    sensor = await demoSensor(twin.backend.db, 'water_pressure');
  });

  afterAll(async () => {
    await twin?.sensors.stop();
    await twin?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes the demo ingest key to a 0600 file in the data directory, and the key works', async () => {
    const file = join(dataDir, 'ingest-key.txt');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const key = readFileSync(file, 'utf8').trim();
    const res = await twin.app.request('/api/ingest/readings', {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}` },
      body: '[]',
    });
    expect(res.status).toBe(200);
  });

  it('delivers a reading published over MQTT to a live client, and rejects bad payloads with a reason', async () => {
    const live = new SseReader(
      await twin.app.request('/api/live', { headers: await twin.as('planner') }),
    );
    await live.ready();
    const device = await mqtt.connectAsync(runtime.broker!.url, {
      clientId: `device-${unique()}`,
      username: 'device',
      password: TEST_KEY,
    });
    const reasons: { topic: string; reason: string }[] = [];
    device.on('message', (topic, payload) =>
      reasons.push({ topic, ...JSON.parse(payload.toString()) }),
    );
    await device.subscribeAsync('twin/rejected/#', { qos: 0 });

    await device.publishAsync(`twin/sensors/${sensor.external_id}`, 'not json', { qos: 1 });
    await device.publishAsync(
      `twin/sensors/${sensor.external_id}`,
      JSON.stringify({ ts: 'soon', value: 1 }),
      { qos: 1 },
    );
    await device.publishAsync('twin/sensors/nobody', JSON.stringify({ ts: Date.now(), value: 1 }), {
      qos: 1,
    });
    const ts = Date.now() - 500;
    await device.publishAsync(
      `twin/sensors/${sensor.external_id}`,
      JSON.stringify({ ts, value: 3.9 }),
      { qos: 1 },
    );
    // The same reading again (a device retry): stored once.
    await device.publishAsync(
      `twin/sensors/${sensor.external_id}`,
      JSON.stringify({ ts, value: 3.9 }),
      { qos: 1 },
    );

    await live.until(
      () => live.updates.some((u) => u.sensor === sensor.id && u.value === 3.9),
      'the MQTT reading',
    );
    expect(live.updates.find((u) => u.sensor === sensor.id)).toMatchObject({
      kind: 'water_pressure',
      asset_type: 'water_node',
      ts: new Date(ts).toISOString(),
    });
    await eventually(async () => reasons.length >= 3, 'three rejection reasons');
    expect(reasons.map((r) => r.reason).sort()).toEqual([
      'malformed',
      'malformed',
      'unknown_sensor',
    ]);
    expect(reasons.find((r) => r.reason === 'unknown_sensor')!.topic).toBe('twin/rejected/nobody');
    await eventually(async () => runtime.mqtt!.stats.acked >= 5, 'all five acknowledged');
    expect(await countReadings(twin.backend.db, sensor.id)).toBe(1);
    await device.endAsync();
    await live.close();
  });

  it('refuses a device without a valid ingest key', async () => {
    const c = mqtt.connect(runtime.broker!.url, {
      clientId: `intruder-${unique()}`,
      password: 'wrong-key-wrong-key',
      reconnectPeriod: 0,
    });
    const outcome = await new Promise<string>((resolve) => {
      c.once('connect', () => resolve('connected'));
      c.once('error', () => resolve('refused'));
      c.once('close', () => resolve('refused'));
    });
    c.end(true);
    expect(outcome).toBe('refused');
  });
});

describe.skipIf(!MQTT_URL)(
  'MQTT ingest from the broker at MQTT_URL (needs MQTT_URL: skipped)',
  () => {
    describe.each(BACKENDS)('on %s', (kind) => {
      let twin: TestTwin;
      const clientId = `twin-test-${unique()}`;

      beforeAll(async () => {
        twin = await createTestTwin(kind, {
          TWIN_INGEST_KEYS: TEST_KEY,
          MQTT_URL: MQTT_URL!,
          TWIN_MQTT_CLIENT_ID: clientId,
          TWIN_MQTT_SHARE_GROUP: `test-${unique()}`,
          TWIN_DATA_DIR: 'memory://',
        });
        await startSensorRuntime(twin.sensors, { mqtt: true, simulator: false });
      });

      afterAll(async () => {
        await twin?.sensors.stop();
        await twin?.dispose();
        await dropSession(MQTT_URL!, clientId).catch(() => undefined);
      });

      it('delivers a reading published to Mosquitto to a live client, once', async () => {
        const sensor = await demoSensor(twin.backend.db, 'power_load');
        const live = new SseReader(
          await twin.app.request('/api/live?kind=power_load', {
            headers: await twin.as('planner'),
          }),
        );
        await live.ready();
        const device = await mqtt.connectAsync(MQTT_URL!, { clientId: `device-${unique()}` });
        const ts = Date.now() - 200;
        const payload = JSON.stringify({ ts: new Date(ts).toISOString(), value: 1234.5 });
        await device.publishAsync(`twin/sensors/${sensor.external_id}`, payload, { qos: 1 });
        await device.publishAsync(`twin/sensors/${sensor.external_id}`, payload, { qos: 1 });
        await device.publishAsync(`twin/sensors/${sensor.external_id}`, '{"ts": 1, "value": "x"}', {
          qos: 1,
        });
        await live.until(() => live.updates.some((u) => u.sensor === sensor.id), 'the reading');
        expect(live.updates.find((u) => u.sensor === sensor.id)!.value).toBe(1234.5);
        await eventually(
          async () => (await countReadings(twin.backend.db, sensor.id)) === 1,
          'one row',
        );
        // Still alive after the bad payload: a health check answers.
        expect((await twin.app.request('/healthz')).status).toBe(200);
        await device.endAsync();
        await live.close();
      });
    });
  },
);
