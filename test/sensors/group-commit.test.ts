import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReadings, type ResolvedReading } from '../../server/sensors/ingest-writer';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../support/backends';
import { countReadings, demoSensor } from './helpers';

describe.each(BACKENDS)('group commit of several submissions on %s', (kind) => {
  let database: TestDatabase;
  let sensorA: string;
  let sensorB: string;
  const base = Date.parse('2021-06-01T00:00:00Z');
  const rows = (sensorId: string, from: number, n: number): ResolvedReading[] =>
    Array.from({ length: n }, (_, i) => ({ sensorId, ts: base + (from + i) * 1000, value: i }));

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    sensorA = (await demoSensor(database.backend.db, 'traffic_speed', 0)).id;
    sensorB = (await demoSensor(database.backend.db, 'traffic_speed', 1)).id;
  });
  afterAll(() => database?.dispose());

  it('credits every submission with all its rows when every row is new', async () => {
    const accepted = await writeReadings(database.backend.db, [
      rows(sensorA, 0, 30),
      rows(sensorB, 0, 20),
      rows(sensorA, 30, 5),
    ]);
    expect(accepted).toEqual([30, 20, 5]);
    expect(await countReadings(database.backend.db, sensorA, new Date(base))).toBe(35);
  });

  it('credits only new rows, to the first submission that sent them, when some were stored or repeated', async () => {
    const accepted = await writeReadings(database.backend.db, [
      // 10 stored by the test before, 10 new.
      rows(sensorA, 25, 20),
      // 5 the first submission of this statement sends too, 5 new.
      rows(sensorA, 40, 10),
      // All stored before.
      rows(sensorB, 0, 20),
    ]);
    expect(accepted).toEqual([10, 5, 0]);
    expect(await countReadings(database.backend.db, sensorA, new Date(base))).toBe(50);
    expect(await countReadings(database.backend.db, sensorB, new Date(base))).toBe(20);
  });
});
