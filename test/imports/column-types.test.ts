import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { lonLatToTile } from '../../tiles/tile-coords';
import { BACKENDS } from '../support/backends';
import { fetchTile } from '../support/mvt';
import { createTestTwin, type TestTwin } from '../support/twin';
import { gisRequest, removeScratch, runImport, scratchDir, writeFile } from './support';

/** One property per column kind: the values of every feature, in file order. */
const VALUES = {
  count: [3, 12, null],
  ratio: [0.5, 2, 1.25],
  open: [true, false, null],
  opened: ['2024-05-01', '1999-12-31', null],
  // With and without an offset (read as UTC), a space instead of `T`, a fraction.
  seen_at: ['2024-05-01T10:30:00+02:00', '2024-05-01T08:30:00', '2024-05-01 09:00:00.250Z'],
  // A day and a date-time: both are instants.
  since: ['2024-05-01', '2024-05-02T12:00:00Z', null],
  // Not all of one kind: text, as the file has them.
  mixed: ['2024-05-01', 'soon', 7],
  // Shaped like a date but no such day.
  not_a_day: ['2024-02-30', '2024-02-28', null],
};

const EXPECTED_TYPES = {
  count: 'integer',
  ratio: 'double precision',
  open: 'boolean',
  opened: 'date',
  seen_at: 'timestamp with time zone',
  since: 'timestamp with time zone',
  mixed: 'text',
  not_a_day: 'text',
};

function geojson(): string {
  const features = [0, 1, 2].map((i) => ({
    type: 'Feature',
    id: `p${i}`,
    properties: Object.fromEntries(Object.entries(VALUES).map(([k, v]) => [k, v[i]])),
    geometry: { type: 'Point', coordinates: [5.1214 + i * 0.0001, 52.0907] },
  }));
  return JSON.stringify({ type: 'FeatureCollection', features });
}

describe.each(BACKENDS)(
  'custom-layer columns typed from the data on %s (issue #12 item 6)',
  (kind) => {
    let twin: TestTwin;
    let file = '';
    beforeAll(async () => {
      twin = await createTestTwin(kind);
      file = writeFile(scratchDir(), 'typed.geojson', geojson());
    });
    afterAll(async () => {
      await twin?.dispose();
      removeScratch();
    });

    it('gives int, float, boolean, date, date-time and mixed fields their column types', async () => {
      const job = await runImport(twin, file, { layer: 'typed_points' });
      expect(job.status).toBe('succeeded');
      const { rows } = await sql<{ column_name: string; data_type: string }>`
      SELECT column_name, data_type FROM information_schema.columns
      WHERE table_name = 'custom_typed_points' AND column_name IN (${sql.join(Object.keys(VALUES))})`.execute(
        twin.backend.db,
      );
      expect(Object.fromEntries(rows.map((r) => [r.column_name, r.data_type]))).toEqual(
        EXPECTED_TYPES,
      );

      // Instants as written, a date-time without an offset as UTC.
      const { rows: values } = await sql<Record<string, string | null>>`
      SELECT source_id, to_char(opened, 'YYYY-MM-DD') AS opened,
        to_char(seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') AS seen_at,
        to_char(since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI') AS since, mixed, not_a_day,
        count::text AS count
      FROM custom_typed_points ORDER BY source_id`.execute(twin.backend.db);
      expect(values).toEqual([
        {
          source_id: 'p0',
          opened: '2024-05-01',
          seen_at: '2024-05-01T08:30:00.000',
          since: '2024-05-01T00:00',
          mixed: '2024-05-01',
          not_a_day: '2024-02-30',
          count: '3',
        },
        {
          source_id: 'p1',
          opened: '1999-12-31',
          seen_at: '2024-05-01T08:30:00.000',
          since: '2024-05-02T12:00',
          mixed: 'soon',
          not_a_day: '2024-02-28',
          count: '12',
        },
        {
          source_id: 'p2',
          opened: null,
          seen_at: '2024-05-01T09:00:00.250',
          since: null,
          mixed: '7',
          not_a_day: null,
          count: null,
        },
      ]);
    });

    it("says each column's type in the import report and the preview", async () => {
      const job = await runImport(twin, file, { layer: 'typed_points', name: 'typed again' });
      const report = (await (await gisRequest(twin, `/api/datasets/${job.id}/report`)).json()) as {
        columns: { name: string; type: string; sql_type: string }[];
      };
      expect(Object.fromEntries(report.columns.map((c) => [c.name, c.type]))).toEqual({
        count: 'int',
        ratio: 'float',
        open: 'boolean',
        opened: 'date',
        seen_at: 'datetime',
        since: 'datetime',
        mixed: 'string',
        not_a_day: 'string',
      });
      expect(report.columns.find((c) => c.name === 'seen_at')!.sql_type).toBe('timestamptz');

      const form = new FormData();
      form.append('file', new Blob([readFileSync(file)]), 'typed.geojson');
      const res = await gisRequest(twin, '/api/datasets/preview', { method: 'POST', body: form });
      expect(res.status).toBe(200);
      const preview = (await res.json()) as { fields: { name: string; type: string }[] };
      expect(Object.fromEntries(preview.fields.map((f) => [f.name, f.type]))).toEqual(
        Object.fromEntries(report.columns.map((c) => [c.name, c.type])),
      );
    });

    it('carries dates in tiles as ISO 8601 strings', async () => {
      const tile = lonLatToTile(5.1214, 52.0907, 16);
      const decoded = await fetchTile(
        { request: (p, i) => gisRequest(twin, p, i) },
        `/tiles/typed_points/${tile.z}/${tile.x}/${tile.y}.mvt`,
      );
      expect(decoded.status).toBe(200);
      const features = decoded.layers.typed_points ?? [];
      const props = features.map((f) => f.properties).find((p) => p.opened === '2024-05-01');
      expect(props).toMatchObject({
        opened: '2024-05-01',
        seen_at: '2024-05-01T08:30:00.000Z',
        since: '2024-05-01T00:00:00.000Z',
        count: 3,
        open: true,
      });
    });
  },
);
