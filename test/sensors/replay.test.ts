import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReadingsResponse, SensorListResponse } from '../../common/sensor-types';
import { readLocations, readSeries, replay } from '../../server/sensors/replay';
import { serveApp } from '../support/browser';
import { SHARED_DATA_DIR } from '../support/paths';
import { createTestTwin, type TestTwin } from '../support/twin';
import { TEST_KEY } from './helpers';

const METR = join(SHARED_DATA_DIR, 'metr-la');
const HAS_METR = existsSync(join(METR, 'los_speed.csv'));

describe.skipIf(!HAS_METR)(`replay of METR-LA (needs ${METR}: skipped)`, () => {
  let twin: TestTwin;
  let server: { origin: string; close(): Promise<void> };

  beforeAll(async () => {
    twin = await createTestTwin('pglite', { TWIN_INGEST_KEYS: TEST_KEY });
    server = await serveApp(twin.app.fetch);
  });

  afterAll(async () => {
    await server?.close();
    await twin?.dispose();
  });

  it('registers the 207 sensors from the locations file and stores an hour of 5-minute speeds', async () => {
    const end = Date.parse('2026-11-28T12:00:00Z');
    const full = readSeries(readFileSync(join(METR, 'los_speed.csv'), 'utf8'), { stepS: 300, end });
    expect(full.sensors).toHaveLength(207);
    expect(full.rows).toHaveLength(2016);
    const series = { sensors: full.sensors, rows: full.rows.slice(-12) };
    const result = await replay({
      series,
      url: server.origin,
      key: TEST_KEY,
      // Registering sensors is GIS staff's (issue #9): an API token of a GIS user.
      token: (await twin.as('gis')).Authorization!.slice('Bearer '.length),
      speed: 0,
      prefix: 'metr-la-',
      kind: 'traffic_speed',
      unit: 'mph',
      locations: readLocations(join(METR, 'graph_sensor_locations.csv')),
    });
    const values = series.rows.flatMap((r) => r.values).filter((v) => v !== null).length;
    expect(result).toEqual({ registered: 207, accepted: values, duplicate: 0, rejected: 0 });

    const list = (await (
      await twin.app.request('/api/sensors?bbox=-119,33.5,-117.5,34.5&limit=1000')
    ).json()) as SensorListResponse;
    expect(list.sensors).toHaveLength(207);
    expect(
      list.sensors.every((s) => s.external_id.startsWith('metr-la-') && s.unit === 'mph'),
    ).toBe(true);
    const first = list.sensors.find((s) => s.external_id === `metr-la-${full.sensors[0]}`)!;
    expect(first.location).toEqual([-118.31829, 34.15497]);
    expect(first.current?.ts).toBe(new Date(end).toISOString());

    const history = (await (
      await twin.app.request(
        `/api/sensors/metr-la-${full.sensors[0]}/readings?from=${new Date(end - 3600_000).toISOString()}&to=${new Date(end + 1).toISOString()}&bucket=5m`,
      )
    ).json()) as ReadingsResponse;
    expect(history.points.length).toBe(series.rows.filter((r) => r.values[0] !== null).length);

    const again = await replay({
      series,
      url: server.origin,
      key: TEST_KEY,
      speed: 0,
      prefix: 'metr-la-',
      kind: 'traffic_speed',
      unit: 'mph',
    });
    expect(again).toMatchObject({ accepted: 0, duplicate: values });
  });
});
