import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { countEpoch, peakWindows } from '../../server/impact/count-data';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';

const LON = DEFAULT_DEMO_CENTER[0];
// 20 minutes into the demo city's peak hour (17:00 local solar time is 16:39:31 UTC).
const NOW = new Date(Date.UTC(2026, 11, 3, 16, 59, 31));

describe.each(BACKENDS)('the peak-hour count epoch on %s', (kind) => {
  let twin: TestTwin;
  let sensor: string;
  beforeAll(async () => {
    twin = await createTestTwin(kind);
    const { rows } = await sql<{ id: string }>`
      SELECT id::text AS id FROM sensors
      WHERE kind = 'traffic_flow' AND asset_type = 'road_link' ORDER BY id LIMIT 1`.execute(
      twin.backend.db,
    );
    sensor = rows[0]!.id;
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  async function write(at: number): Promise<void> {
    await sql`INSERT INTO readings (sensor_id, ts, value)
      VALUES (${sensor}::bigint, ${new Date(at).toISOString()}::timestamptz, 100)`.execute(
      twin.backend.db,
    );
  }

  it('moves with each quarter hour of counts, in the open window and in one filled in afterwards', async () => {
    const [open, yesterday] = peakWindows(NOW, LON, 17);
    const epochs = [await countEpoch(twin.backend.db, LON, 17, NOW)];
    await write(open![0].getTime() + 60_000); // live, in the open window
    epochs.push(await countEpoch(twin.backend.db, LON, 17, NOW));
    await write(open![0].getTime() + 120_000); // the same quarter: no change
    epochs.push(await countEpoch(twin.backend.db, LON, 17, NOW));
    await write(yesterday![0].getTime() + 60_000); // a backfill of the day before's first quarter
    epochs.push(await countEpoch(twin.backend.db, LON, 17, NOW));
    await write(yesterday![0].getTime() + 50 * 60_000); // and of its last
    epochs.push(await countEpoch(twin.backend.db, LON, 17, NOW));
    expect(epochs[0]).toBe(`${open![0].toISOString().slice(0, 13)}:0000000`);
    expect(epochs[1]).toBe(`${open![0].toISOString().slice(0, 13)}:8000000`);
    expect(epochs[2]).toBe(epochs[1]);
    expect(epochs[3]).toBe(`${open![0].toISOString().slice(0, 13)}:8800000`);
    expect(epochs[4]).toBe(`${open![0].toISOString().slice(0, 13)}:8900000`);
    // The next day the windows move on, and so does the epoch.
    const tomorrow = new Date(NOW.getTime() + 86_400_000);
    expect(await countEpoch(twin.backend.db, LON, 17, tomorrow)).toBe(
      `${new Date(open![0].getTime() + 86_400_000).toISOString().slice(0, 13)}:0890000`,
    );
  });
});
