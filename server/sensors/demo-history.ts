import { sql } from 'kysely';
import type { Backend } from '../db/backend';
import { DEMO_SENSOR_PREFIX } from '../../data/demo-sensors';
import { mulberry32 } from '../../data/demo-city/prng';
import { rollupRange } from '../dashboard/city-metrics';
import { faultOf, simulatedValue } from './simulated-values';

export interface DemoHistoryOptions {
  /** Days of history before `end`. */
  days: number;
  /** Seconds between two readings of one sensor (coarser than the live simulator's minute). */
  stepS?: number;
  /** The last reading's time, epoch ms (default: now): the history runs up to the live data. */
  end?: number;
  onProgress?: (message: string) => void;
}

export interface DemoHistoryResult {
  readings: number;
  from: string;
  to: string;
}

/** Rows per COPY transaction: a few MB of text at a time. */
const CHUNK_ROWS = 200_000;

/**
 * Backfills the demo sensors' history from the simulator's own model (`simulatedValue`, with the
 * same stuck and dropping-out sensors; no incidents, no drift), so the time slider and charts
 * have days to show on a first start (issue #12 item 5). Readings go straight into `readings` by
 * COPY — not through ingest: nothing is pushed to the live stream or the anomaly detector —
 * and the latest value of each sensor into `sensor_state`; the city roll-ups are computed for the
 * whole range. Runs only while `readings` is empty (a first start); otherwise returns null.
 */
export async function backfillDemoHistory(
  backend: Backend,
  options: DemoHistoryOptions,
): Promise<DemoHistoryResult | null> {
  const db = backend.db;
  const stepMs = (options.stepS ?? 900) * 1000;
  // Whole seconds, as the simulator stamps its readings.
  const end = Math.floor((options.end ?? Date.now()) / 1000) * 1000;
  const start = end - Math.round((options.days * 86_400_000) / stepMs) * stepMs;
  if (options.days <= 0 || start >= end) return null;
  if (await db.selectFrom('readings').select('sensor_id').limit(1).executeTakeFirst()) return null;

  const { rows: sensors } = await sql<{
    id: string | number;
    kind: string;
    reference_value: number | null;
    class: string | null;
  }>`
    SELECT s.id, s.kind, s.reference_value, r.class FROM sensors s
    LEFT JOIN road_links r ON s.asset_type = 'road_link' AND r.id = s.asset_id
    WHERE s.external_id LIKE ${`${DEMO_SENSOR_PREFIX}%`} AND s.kind <> 'camera' ORDER BY s.id`.execute(
    db,
  );
  if (sensors.length === 0) return null;
  const months = Math.ceil((end - start) / (28 * 86_400_000)) + 1;
  await sql`SELECT ensure_readings_partitions(${new Date(start).toISOString()}::date, ${months}::int)`.execute(
    db,
  );

  // Seeded noise: the same history for the same sensors and times.
  const noise = mulberry32(0x5eed ^ Math.floor(end / 86_400_000));
  const steps = (end - start) / stepMs;
  const perChunk = Math.max(1, Math.floor(CHUNK_ROWS / sensors.length));
  const last = new Map<string, { ts: number; value: number }>();
  let written = 0;
  for (let first = 1; first <= steps; first += perChunk) {
    const lines: string[] = [];
    for (let k = first; k < first + perChunk && k <= steps; k++) {
      const ts = start + k * stepMs;
      const iso = new Date(ts).toISOString();
      for (const s of sensors) {
        const id = String(s.id);
        const fault = faultOf(Number(s.id));
        const value = simulatedValue(
          {
            kind: s.kind,
            reference: s.reference_value === null ? null : Number(s.reference_value),
          },
          ts,
          {
            arterial: s.class === 'arterial',
            incident: false,
            fault: fault === 'drift' ? null : fault,
            hoursSinceStart: 0,
            noise: noise(),
          },
        );
        if (value === null) continue;
        lines.push(`${id}\t${iso}\t${value}`);
        last.set(id, { ts, value });
      }
    }
    if (lines.length === 0) continue;
    await backend.scriptTransaction((tx) =>
      tx.copyIn('readings', ['sensor_id', 'ts', 'value'], `${lines.join('\n')}\n`),
    );
    written += lines.length;
    options.onProgress?.(
      `demo history: ${written.toLocaleString('en')} readings up to ${new Date(start + Math.min(steps, first + perChunk - 1) * stepMs).toISOString()}`,
    );
  }
  const state = JSON.stringify(
    [...last].map(([s, r]) => ({ s, t: new Date(r.ts).toISOString(), v: r.value })),
  );
  await sql`INSERT INTO sensor_state (sensor_id, ts, value)
    SELECT s, t, v FROM jsonb_to_recordset(${state}::text::jsonb) AS x(s bigint, t timestamptz, v float8)
    ON CONFLICT (sensor_id) DO UPDATE SET ts = excluded.ts, value = excluded.value
      WHERE sensor_state.ts < excluded.ts`.execute(db);
  await rollupRange(db, start, end + 1);
  return {
    readings: written,
    from: new Date(start + stepMs).toISOString(),
    to: new Date(end).toISOString(),
  };
}
