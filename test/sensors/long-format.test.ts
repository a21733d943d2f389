import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { readSeries, replay } from '../../server/sensors/replay';
import { BACKENDS } from '../support/backends';
import { serveApp } from '../support/browser';
import { createTestTwin, type TestTwin } from '../support/twin';
import { gisRequest, removeScratch, runImport, scratchDir, writeFile } from '../imports/support';
import { AUTH, demoSensor, TEST_KEY } from './helpers';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run replay -- <args>` as a process (tsx), with only `env` beyond PATH and HOME. */
function replayCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = spawn(process.execPath, ['--import', 'tsx', 'server/cli/replay.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '',
    stderr = '';
  cli.stdout.on('data', (d) => (stdout += d));
  cli.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) =>
    cli.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr })),
  );
}

/** Two loop detectors and a travel-time sensor on a line (encoded polyline), 15 minutes of readings. */
const LONG = [
  'sensor,ts,value,wkt,polyline',
  'loop-1,2026-11-28T10:00:00Z,52.5,POINT (5.121 52.091),',
  'loop-2,2026-11-28T10:00:00Z,31,POINT (5.122 52.092),',
  'route-7,2026-11-28T10:00:00Z,240,,oy||H__g^?ozD',
  'loop-1,2026-11-28T10:05:00Z,50,,',
  'loop-2,2026-11-28T10:05:00Z,29.5,,',
  'route-7,2026-11-28T10:05:00Z,260,,',
  'loop-1,2026-11-28T10:10:00Z,47,,',
  'loop-1,2026-11-28T10:10:00Z,47,,', // a repeat: stored once
  'loop-2,2026-11-28T10:10:00Z,not a number,,',
].join('\n');

describe.each(BACKENDS)('long-format sensor observations on %s (issue #15)', (kind) => {
  let twin: TestTwin;
  let server: { origin: string; close(): Promise<void> };
  beforeAll(async () => {
    twin = await createTestTwin(kind, { TWIN_INGEST_KEYS: TEST_KEY });
    server = await serveApp(twin.app.fetch);
  });
  afterAll(async () => {
    await server?.close();
    await twin?.dispose();
    removeScratch();
  });

  it('imports sensors (a line sensor at its midpoint) and their readings from sensor,ts,value rows', async () => {
    const file = writeFile(scratchDir(), 'observations.csv', LONG);
    const job = await runImport(twin, file, {
      layer: 'sensors',
      name: 'observations',
      mode: 'upsert',
      mapping: ["kind='traffic_speed'", "unit='km/h'"],
    });
    expect(job.error).toBeNull();
    expect(job.counts).toEqual({ accepted: 3, repaired: 0, rejected: 0 });
    const sensors = (
      await sql<{ external_id: string; lon: number; lat: number; line: unknown }>`
      SELECT external_id, ST_X(ST_Transform(geom, 4326)) AS lon, ST_Y(ST_Transform(geom, 4326)) AS lat, attributes->'geometry' AS line
      FROM sensors WHERE dataset_id = ${job.dataset_id} ORDER BY external_id`.execute(
        twin.backend.db,
      )
    ).rows;
    expect(sensors.map((s) => s.external_id)).toEqual(['loop-1', 'loop-2', 'route-7']);
    expect(sensors[0]!.lon).toBeCloseTo(5.121, 6);
    // The polyline runs from (5.12, 52.09) to (5.15, 52.09): its midpoint is at 5.135.
    expect(sensors[2]!.lon).toBeCloseTo(5.135, 4);
    expect(sensors[2]!.lat).toBeCloseTo(52.09, 4);
    expect(sensors[2]!.line).toMatchObject({ type: 'LineString' });
    const stored = (
      await sql<{ external_id: string; n: string; last: number }>`
      SELECT s.external_id, count(r.*)::text AS n, (SELECT value FROM sensor_state st WHERE st.sensor_id = s.id) AS last
      FROM sensors s JOIN readings r ON r.sensor_id = s.id WHERE s.dataset_id = ${job.dataset_id}
      GROUP BY s.id, s.external_id ORDER BY s.external_id`.execute(twin.backend.db)
    ).rows;
    expect(stored).toEqual([
      { external_id: 'loop-1', n: '3', last: 47 },
      { external_id: 'loop-2', n: '2', last: 29.5 },
      { external_id: 'route-7', n: '2', last: 260 },
    ]);
    const report = (await (await gisRequest(twin, `/api/datasets/${job.id}/report`)).json()) as {
      readings: { staged: number; rejected: number; stored: number };
    };
    expect(report.readings).toEqual({ staged: 8, rejected: 1, stored: 7 });
  });

  it('replays the same long format into a running twin, registering the sensors from their geometry', async () => {
    const series = readSeries(LONG, { stepS: 300, end: 0 });
    const options = {
      series,
      url: server.origin,
      key: TEST_KEY,
      speed: 0,
      prefix: 'long-',
      kind: 'traffic_speed',
      unit: 'km/h',
    };
    // The rows' geometries register sensors, which is GIS staff's (issue #9): no token, nothing sent.
    await expect(replay(options)).rejects.toThrow(/GIS user's API token/);
    expect(
      (
        await sql<{
          n: string;
        }>`SELECT count(*)::text AS n FROM sensors WHERE external_id LIKE 'long-%'`.execute(
          twin.backend.db,
        )
      ).rows[0]!.n,
    ).toBe('0');
    const token = (await twin.as('gis')).Authorization!.replace(/^Bearer /, '');
    const result = await replay({ ...options, token });
    expect(result).toEqual({ registered: 3, accepted: 7, duplicate: 0, rejected: 0 });
    const route = (
      await sql<{
        line: { coordinates: number[][] };
      }>`SELECT attributes->'geometry' AS line FROM sensors WHERE external_id = 'long-route-7'`.execute(
        twin.backend.db,
      )
    ).rows[0]!;
    expect(route.line.coordinates).toEqual([
      [5.12, 52.09],
      [5.15, 52.09],
    ]);
  });

  it('rejects readings of the sensors of a deleted dataset as unknown, and still writes the others (issue #10)', async () => {
    const file = writeFile(
      scratchDir(),
      'gone.csv',
      ['sensor,ts,value,wkt', 'gone-1,2026-11-28T10:00:00Z,50,POINT (5.123 52.093)'].join('\n'),
    );
    const job = await runImport(twin, file, {
      layer: 'sensors',
      name: 'to be deleted',
      mode: 'upsert',
      mapping: ["kind='traffic_speed'", "unit='km/h'"],
    });
    expect(job.error).toBeNull();
    const ingest = async (rows: unknown[]) => {
      const res = await twin.app.request('/api/ingest/readings', {
        method: 'POST',
        headers: { ...AUTH, 'Content-Type': 'application/json' },
        body: JSON.stringify(rows),
      });
      return {
        status: res.status,
        body: (await res.json()) as {
          accepted: number;
          rejected: number;
          errors: { reason: string }[];
        },
      };
    };
    // Known (and so cached) before the delete.
    expect(
      (await ingest([{ sensor: 'gone-1', ts: '2026-11-28T10:05:00Z', value: 51 }])).body,
    ).toMatchObject({ accepted: 1, rejected: 0 });
    expect(
      (await gisRequest(twin, `/api/datasets/${job.dataset_id}`, { method: 'DELETE' })).status,
    ).toBe(200);
    const other = await demoSensor(twin.backend.db);
    const after = await ingest([
      { sensor: 'gone-1', ts: '2026-11-28T10:10:00Z', value: 52 },
      { sensor: other.external_id, ts: '2026-11-28T10:15:00Z', value: 45 },
    ]);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({
      accepted: 1,
      duplicate: 0,
      rejected: 1,
      errors: [{ index: 0, reason: 'unknown_sensor' }],
    });
    // And from then on without a write: the registry forgot it.
    expect(
      (await ingest([{ sensor: 'gone-1', ts: '2026-11-28T10:20:00Z', value: 53 }])).body,
    ).toMatchObject({ accepted: 0, rejected: 1 });
    const stored = await sql<{
      n: string;
    }>`SELECT count(*)::text AS n FROM readings WHERE sensor_id = ${other.id} AND ts = '2026-11-28T10:15:00Z'`.execute(
      twin.backend.db,
    );
    expect(stored.rows[0]!.n).toBe('1');
  });

  it("npm run replay registers a long file's sensors only with a GIS user's token (TWIN_TOKEN)", async () => {
    const file = writeFile(scratchDir(), 'cli-observations.csv', LONG);
    const args = [
      file,
      '--url',
      server.origin,
      '--speed',
      '0',
      '--prefix',
      'cli-',
      '--unit',
      'km/h',
    ];
    const refused = await replayCli(args, { TWIN_INGEST_KEY: TEST_KEY });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/GIS user's API token: --token or TWIN_TOKEN/);
    const count = async () =>
      (
        await sql<{
          n: string;
        }>`SELECT count(*)::text AS n FROM sensors WHERE external_id LIKE 'cli-%'`.execute(
          twin.backend.db,
        )
      ).rows[0]!.n;
    expect(await count()).toBe('0');
    const token = (await twin.as('gis')).Authorization!.replace(/^Bearer /, '');
    const done = await replayCli(args, { TWIN_INGEST_KEY: TEST_KEY, TWIN_TOKEN: token });
    expect(done.stderr).not.toMatch(new RegExp(token));
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout.trim().split('\n').at(-1)!)).toEqual({
      registered: 3,
      accepted: 7,
      duplicate: 0,
      rejected: 0,
    });
    expect(await count()).toBe('3');
  }, 120_000);
});
