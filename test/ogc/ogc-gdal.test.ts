import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'kysely';
import { BACKENDS } from '../support/backends';
import { TEST_DATA_DIR } from '../support/paths';
import { createTestTwin, type TestTwin } from '../support/twin';
import { BUILDING_EXPORT_FIELDS } from '../support/building-fields';

const run = promisify(execFile);
const HAS_GDAL = spawnSync('ogrinfo', ['--version']).status === 0;
if (!HAS_GDAL)
  console.warn(
    '\n[skipped] OGC API with GDAL as the client: ogrinfo (Debian gdal-bin) is not installed; .ci/run installs it.\n',
  );

/** The twin listens on the first free port of this range (the OGC helper's ports, issue #15). */
const PORTS = [7300, 7399];

/** Serves the app on a real port; GDAL is a separate process, so everything is asynchronous. */
async function listen(twin: TestTwin): Promise<ServerType> {
  for (let port = PORTS[0]!; port <= PORTS[1]!; port++) {
    const server = await new Promise<ServerType | null>((resolve) => {
      const s = serve({ fetch: twin.app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s));
      s.once('error', () => resolve(null));
    });
    if (server) return server;
  }
  throw new Error(`no free port in ${PORTS.join('–')}`);
}

/** GDAL with its HTTP cache and retries off, so every answer comes from the twin. */
const GDAL_ENV = {
  ...process.env,
  GDAL_HTTP_TIMEOUT: '60',
  CPL_VSIL_CURL_USE_HEAD: 'NO',
  GDAL_HTTP_MAX_RETRY: '0',
};

describe.skipIf(!HAS_GDAL).each(BACKENDS)(
  'GDAL OAPIF reads the OGC API on %s (issue #15, needs gdal-bin)',
  (kind) => {
    let twin: TestTwin;
    let server: ServerType;
    let url = '';
    const dir = join(TEST_DATA_DIR, `ogc-gdal-${kind}-${process.pid}`);

    beforeAll(async () => {
      twin = await createTestTwin(kind);
      server = await listen(twin);
      url = `OAPIF:http://127.0.0.1:${(server.address() as AddressInfo).port}/ogc`;
      mkdirSync(dir, { recursive: true });
    });
    afterAll(async () => {
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      await twin?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('lists the public collections for an anonymous client, and no staff layer', async () => {
      const { stdout } = await run('ogrinfo', ['-ro', '-q', url], { env: GDAL_ENV });
      const layers = [...stdout.matchAll(/^\d+: (\w+)/gm)].map((m) => m[1]);
      expect(layers.sort()).toEqual(['buildings', 'land_use', 'roads']);
      expect(stdout).not.toMatch(/water|power/);
      // A planner's API token, sent by GDAL as a header, opens the staff layers.
      const auth = (await twin.as('planner')).Authorization!;
      const staff = await run('ogrinfo', ['-ro', '-q', url], {
        env: { ...GDAL_ENV, GDAL_HTTP_HEADERS: `Authorization: ${auth}` },
      });
      expect([...staff.stdout.matchAll(/^\d+: (\w+)/gm)].map((m) => m[1])).toEqual(
        expect.arrayContaining(['water_pipes', 'power_lines', 'buildings']),
      );
    });

    it('counts the buildings collection as the database does (ogrinfo -so)', async () => {
      const { stdout } = await run('ogrinfo', ['-ro', '-so', url, 'buildings'], { env: GDAL_ENV });
      const n = Number(
        (
          await sql<{ n: string }>`SELECT count(*)::text AS n FROM buildings`.execute(
            twin.backend.db,
          )
        ).rows[0]!.n,
      );
      expect(Number(/Feature Count: (\d+)/.exec(stdout)?.[1])).toBe(n);
      expect(stdout).toMatch(/Geometry: Multi Polygon/);
      for (const field of BUILDING_EXPORT_FIELDS)
        expect(stdout).toMatch(new RegExp(`^${field}: `, 'm'));
    });

    it('copies the land_use collection out with ogr2ogr: every feature and attribute as in the database', async () => {
      const out = join(dir, 'land_use.json');
      // -preserve_fid: the features' ids (the twin's ids, GDAL's FIDs) go out as GeoJSON ids.
      await run('ogr2ogr', ['-f', 'GeoJSON', '-preserve_fid', out, url, 'land_use'], {
        env: GDAL_ENV,
        maxBuffer: 64 << 20,
      });
      const fc = JSON.parse(readFileSync(out, 'utf8')) as {
        features: {
          id?: number;
          properties: Record<string, unknown>;
          geometry: { type: string; coordinates: number[][][][] };
        }[];
      };
      const { rows } = await sql<{
        id: string;
        class: string;
        name: string | null;
        max_height_m: number | null;
        dataset_id: string;
        source_id: string | null;
        lon: number;
        lat: number;
      }>`
      SELECT id::text AS id, class, name, max_height_m, dataset_id::text AS dataset_id, source_id,
        ST_X(ST_Transform(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1), 4326)) AS lon,
        ST_Y(ST_Transform(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1), 4326)) AS lat
      FROM land_use ORDER BY id`.execute(twin.backend.db);
      expect(rows.length).toBeGreaterThan(10);
      expect(fc.features).toHaveLength(rows.length);
      const byId = new Map(fc.features.map((f) => [Number(f.id), f]));
      expect(byId.size).toBe(rows.length);
      for (const r of rows) {
        const f = byId.get(Number(r.id));
        expect(f, `feature ${r.id}`).toBeDefined();
        expect(f!.properties.class).toBe(r.class);
        expect(f!.properties.name ?? null).toBe(r.name);
        expect(f!.properties.max_height_m ?? null).toBe(
          r.max_height_m === null ? null : Number(r.max_height_m),
        );
        expect(Number(f!.properties.dataset_id)).toBe(Number(r.dataset_id));
        expect(f!.properties.source_id ?? null).toBe(r.source_id);
        expect(f!.geometry.type).toBe('MultiPolygon');
        const [lon, lat] = f!.geometry.coordinates[0]![0]![0]!;
        expect(lon).toBeCloseTo(r.lon, 6);
        expect(lat).toBeCloseTo(r.lat, 6);
      }
    });
  },
);
