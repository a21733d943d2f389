import { sql } from 'kysely';
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

  it('publishes exactly the new rows, and says when the plain statement met a stored one', async () => {
    const published: string[] = [];
    const live = (payload: string) => published.push(payload);
    let duplicates = 0;
    const onDuplicate = () => duplicates++;
    const items = () => published.splice(0).flatMap((p) => JSON.parse(p) as unknown[]);

    // All new: the plain INSERT, payloads of at most 100 readings built by the writer.
    expect(
      await writeReadings(database.backend.db, [rows(sensorB, 100, 150)], live, { onDuplicate }),
    ).toEqual([150]);
    expect(published.map((p) => (JSON.parse(p) as unknown[]).length)).toEqual([100, 50]);
    expect(items()[149]).toEqual([Number(sensorB), base + 249_000, 149]);
    expect(duplicates).toBe(0);

    // One stored row: the plain INSERT fails, nothing of it stays, ON CONFLICT sorts them.
    expect(
      await writeReadings(
        database.backend.db,
        [rows(sensorB, 300, 10), rows(sensorB, 249, 1)],
        live,
        {
          onDuplicate,
        },
      ),
    ).toEqual([10, 0]);
    expect(duplicates).toBe(1);
    expect(
      items()
        .map((i) => (i as number[])[1])
        .sort(),
    ).toEqual(Array.from({ length: 10 }, (_, i) => base + (300 + i) * 1000));
    expect(await countReadings(database.backend.db, sensorB, new Date(base))).toBe(20 + 150 + 10);

    // `plain: false` goes straight to ON CONFLICT: the same answer, no duplicate to report.
    expect(
      await writeReadings(database.backend.db, [rows(sensorB, 310, 3)], live, {
        plain: false,
        onDuplicate,
      }),
    ).toEqual([3]);
    expect(duplicates).toBe(1);
    expect(items()).toHaveLength(3);
    const { rows: state } = await sql<{ ms: number }>`
      SELECT (extract(epoch FROM ts) * 1000)::float8 AS ms FROM sensor_state WHERE sensor_id = ${sensorB}::bigint`.execute(
      database.backend.db,
    );
    expect(state.map((r) => Number(r.ms))).toEqual([base + 312_000]);
  });
});
