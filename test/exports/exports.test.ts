import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { READERS } from '../../server/imports/formats';
import { isBatch } from '../../server/imports/parse';
import { DEFAULT_LIMITS, type SourceFeature } from '../../server/imports/source';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import { cornerSquare } from '../support/requests';
import { BUILDING_EXPORT_FIELDS } from '../support/building-fields';
import { removeScratch, runImport, scratchDir, writeFile } from '../imports/support';

const HAS_GDAL = spawnSync('ogrinfo', ['--version']).status === 0;
if (!HAS_GDAL)
  console.warn(
    '\n[skipped] reading exports back with GDAL: ogrinfo (Debian gdal-bin) is not installed; .ci/run installs it.\n',
  );

/** A bbox of about 600 × 600 m around the demo city's centre. */
const [LON, LAT] = DEFAULT_DEMO_CENTER;
const BBOX = [LON - 0.0045, LAT - 0.0027, LON + 0.0045, LAT + 0.0027].join(',');

/** `ogrinfo -al -so` of a file: its layers with feature counts and field names. */
function ogrSummary(path: string): { layers: { name: string; count: number; fields: string[] }[] } {
  const out = execFileSync('ogrinfo', ['-ro', '-al', '-so', path], { encoding: 'utf8' });
  const layers = out
    .split(/\nLayer name: /)
    .slice(1)
    .map((block) => ({
      name: block.split('\n')[0]!.trim(),
      count: Number(/Feature Count: (\d+)/.exec(block)?.[1] ?? -1),
      fields: [...block.matchAll(/^(\w+): (?:Integer|Integer64|Real|String|Date|DateTime)/gm)].map(
        (m) => m[1]!,
      ),
    }));
  return { layers };
}

/** A file read back by GDAL as GeoJSON (ogr2ogr to stdout). */
function ogrFeatures(
  path: string,
  layer?: string,
): { properties: Record<string, unknown>; geometry: { type: string; coordinates: unknown } }[] {
  const out = execFileSync(
    'ogr2ogr',
    ['-f', 'GeoJSON', '-preserve_fid', '/vsistdout/', path, ...(layer ? [layer] : [])],
    { encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  return (JSON.parse(out) as { features: never[] }).features;
}

describe.each(BACKENDS)('exports in GIS formats on %s (issue #15)', (kind) => {
  let twin: TestTwin;
  let dir = '';
  let inBbox = 0;
  beforeAll(async () => {
    dir = scratchDir();
    twin = await createTestTwin(kind, { TWIN_EXPORT_MAX_FEATURES: '5000' });
    const [w, s, e, n] = BBOX.split(',').map(Number);
    inBbox = Number(
      (
        await sql<{ n: string }>`SELECT count(*)::text AS n FROM buildings
      WHERE geom && ST_Transform(ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326), 3857)`.execute(
          twin.backend.db,
        )
      ).rows[0]!.n,
    );
  });
  afterAll(async () => {
    await twin?.dispose();
    removeScratch();
  });

  /** A download: anonymous by default (public layers are everyone's), else with `headers`. */
  const download = async (path: string, headers: Record<string, string> = {}) => {
    const res = await twin.app.request(path, { headers });
    return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
  };

  it('exports a layer in a bbox as GeoJSON and CSV with every feature and attribute', async () => {
    expect(inBbox).toBeGreaterThan(50);
    const { res, bytes } = await download(
      `/api/layers/buildings/export?format=geojson&bbox=${BBOX}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/geo+json');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="buildings.geojson"');
    const fc = JSON.parse(new TextDecoder().decode(bytes)) as {
      features: { id: number; properties: Record<string, unknown>; geometry: { type: string } }[];
    };
    expect(fc.features).toHaveLength(inBbox);
    expect(Object.keys(fc.features[0]!.properties)).toEqual([
      'id',
      ...BUILDING_EXPORT_FIELDS,
      'attributes',
    ]);
    expect(fc.features[0]!.geometry.type).toBe('MultiPolygon');
    const csv = await download(`/api/layers/buildings/export?format=csv&bbox=${BBOX}`);
    const lines = new TextDecoder().decode(csv.bytes).trimEnd().split('\n');
    expect(lines[0]).toBe(['id', ...BUILDING_EXPORT_FIELDS, 'attributes', 'wkt'].join(','));
    expect(lines).toHaveLength(inBbox + 1);
    expect(lines[1]).toMatch(/,"?MULTIPOLYGON/);
  });

  it.skipIf(!HAS_GDAL)(
    'exports a layer as a GeoPackage that GDAL reads back, every feature and attribute (needs gdal-bin)',
    async () => {
      const { res, bytes } = await download(
        `/api/layers/buildings/export?format=gpkg&bbox=${BBOX}`,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/geopackage+sqlite3');
      const file = join(dir, 'buildings.gpkg');
      writeFileSync(file, bytes);
      const summary = ogrSummary(file);
      expect(summary.layers).toEqual([
        {
          name: 'buildings',
          count: inBbox,
          fields: [...BUILDING_EXPORT_FIELDS, 'attributes'],
        },
      ]);
      const info = execFileSync('ogrinfo', ['-ro', '-so', file, 'buildings'], { encoding: 'utf8' });
      expect(info).toMatch(/Geometry: Multi Polygon/);
      expect(info).toMatch(/GEOGCRS\["WGS 84"|EPSG",4326/);
      // Feature by feature against the database: the fid is the twin's id.
      const back = ogrFeatures(file);
      const ids = back.map((f) => Number((f as unknown as { id: number }).id));
      const rows = (
        await sql<{
          id: string;
          height_m: number;
          use: string;
        }>`SELECT id::text, height_m, use FROM buildings WHERE id IN (SELECT unnest(${`{${ids.join(',')}}`}::bigint[]))`.execute(
          twin.backend.db,
        )
      ).rows;
      const byId = new Map(rows.map((r) => [Number(r.id), r]));
      expect(byId.size).toBe(inBbox);
      for (const f of back.slice(0, 50)) {
        const r = byId.get(Number((f as unknown as { id: number }).id))!;
        expect(f.properties.use).toBe(r.use);
        expect(f.properties.height_m).toBeCloseTo(r.height_m, 3);
      }
      // GDAL's own validation of the GeoPackage structure.
      const check = spawnSync(
        'ogrinfo',
        ['-ro', '-q', '--config', 'OGR_GPKG_INTEGRITY_CHECK', 'YES', file],
        { encoding: 'utf8' },
      );
      expect(check.status).toBe(0);
      expect(check.stderr).not.toMatch(/ERROR/);
    },
  );

  it('exports a layer as FlatGeobuf that our reader and GDAL read back', async () => {
    const { res, bytes } = await download(`/api/layers/buildings/export?format=fgb&bbox=${BBOX}`);
    expect(res.status).toBe(200);
    const file = join(dir, 'buildings.fgb');
    writeFileSync(file, bytes);
    const features: SourceFeature[] = [];
    let crs = '';
    for await (const got of READERS.flatgeobuf(file, {
      progress: { bytes: 0, total: 0 },
      limits: DEFAULT_LIMITS,
      tmpDir: dir,
    }))
      for (const item of isBatch(got) ? got : [got]) {
        if (item.type === 'crs') crs = item.name ?? '';
        else features.push(item);
      }
    expect(crs).toBe('EPSG:4326');
    expect(features).toHaveLength(inBbox);
    expect(features[0]!.geometry!.type).toBe('MultiPolygon');
    expect(typeof features[0]!.properties.height_m).toBe('number');
    if (HAS_GDAL) expect(ogrSummary(file).layers[0]!.count).toBe(inBbox);
  });

  it.skipIf(!HAS_GDAL)(
    'exports a network dataset as a GeoPackage of its links and nodes (needs gdal-bin)',
    async () => {
      const line = (id: string, coords: [number, number][]) => ({
        type: 'Feature',
        id,
        properties: { highway: 'residential', name: `Street ${id}` },
        geometry: { type: 'LineString', coordinates: coords },
      });
      const file = writeFile(
        dir,
        'streets.geojson',
        JSON.stringify({
          type: 'FeatureCollection',
          features: [
            line('s1', [
              [5.2, 52.1],
              [5.201, 52.1],
            ]),
            line('s2', [
              [5.201, 52.1],
              [5.201, 52.101],
            ]),
          ],
        }),
      );
      const job = await runImport(twin, file, { layer: 'roads', name: 'streets' });
      // Datasets are GIS staff's (issue #9).
      const gis = await twin.as('gis');
      expect(
        (await twin.app.request(`/api/datasets/${job.dataset_id}/export?format=gpkg`)).status,
      ).toBe(401);
      expect(
        (
          await twin.app.request(`/api/datasets/${job.dataset_id}/export?format=gpkg`, {
            headers: await twin.as('planner'),
          })
        ).status,
      ).toBe(403);
      const { res, bytes } = await download(
        `/api/datasets/${job.dataset_id}/export?format=gpkg`,
        gis,
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('x-export-parts')).toBe('roads,road_nodes');
      const gpkg = join(dir, 'streets.gpkg');
      writeFileSync(gpkg, bytes);
      expect(ogrSummary(gpkg).layers.map((l) => [l.name, l.count])).toEqual([
        ['roads', 2],
        ['road_nodes', 3],
      ]);
      expect(
        ogrFeatures(gpkg, 'roads')
          .map((f) => f.properties.name)
          .sort(),
      ).toEqual(['Street s1', 'Street s2']);
      const nodes = await download(
        `/api/datasets/${job.dataset_id}/export?format=csv&part=road_nodes`,
        gis,
      );
      expect(new TextDecoder().decode(nodes.bytes).trimEnd().split('\n')).toHaveLength(4);
      expect(
        (
          await twin.app.request(`/api/datasets/${job.dataset_id}/export?format=fgb&part=nope`, {
            headers: gis,
          })
        ).status,
      ).toBe(400);
    },
  );

  it.skipIf(!HAS_GDAL)(
    "exports a scenario's edits as GeoPackage and FlatGeobuf (needs gdal-bin)",
    async () => {
      // Scenarios are planners' (issue #9): the owner creates and exports the draft.
      const owner = await twin.as('planner', 'export-owner');
      const json = { ...owner, 'Content-Type': 'application/json' };
      const post = async (path: string, body: unknown) =>
        twin.app.request(path, { method: 'POST', body: JSON.stringify(body), headers: json });
      const created = await post('/api/scenarios', { name: 'Export me' });
      expect(created.status).toBe(201);
      const scenario = (await created.json()) as { id: string };
      const d = 0.0002;
      const [lon, lat] = [LON + 0.002, LAT + 0.001];
      const edit = await post(`/api/scenarios/${scenario.id}/edits`, {
        kind: 'add_building',
        floors: 6,
        use: 'office',
        geometry: cornerSquare(lon, lat, d),
      });
      // The site may fall outside the city's modelled area in some seeds; the export needs one edit either way.
      expect([201, 400]).toContain(edit.status);
      const building = (
        await sql<{ id: string }>`SELECT id::text FROM buildings ORDER BY id LIMIT 1`.execute(
          twin.backend.db,
        )
      ).rows[0]!.id;
      expect(
        (
          await post(`/api/scenarios/${scenario.id}/edits`, {
            kind: 'change_building',
            buildingId: Number(building),
            floors: 3,
          })
        ).status,
      ).toBe(201);
      const edits = (await (
        await twin.app.request(`/api/scenarios/${scenario.id}/edits`, { headers: owner })
      ).json()) as { edits: unknown[] };
      for (const format of ['gpkg', 'fgb'] as const) {
        const { res, bytes } = await download(
          `/api/scenarios/${scenario.id}/export?format=${format}`,
          owner,
        );
        expect(res.status).toBe(200);
        expect(res.headers.get('content-disposition')).toMatch(new RegExp(`-edits\\.${format}"$`));
        const file = join(dir, `edits.${format}`);
        writeFileSync(file, bytes);
        const s = ogrSummary(file);
        expect(s.layers[0]!.count).toBe(edits.edits.length);
        expect(s.layers[0]!.fields).toEqual(
          expect.arrayContaining(['kind', 'floors', 'edit_id', 'seq']),
        );
      }
      // A draft is its owner's: neither the public nor another planner can export it, in any format.
      const other = await twin.as('planner', 'export-other');
      for (const format of ['gpkg', 'fgb', 'geojson'] as const) {
        const anonymous = await download(`/api/scenarios/${scenario.id}/export?format=${format}`);
        expect(anonymous.res.status).toBe(404);
        expect(anonymous.res.headers.get('content-disposition')).toBeNull();
        expect(
          (await download(`/api/scenarios/${scenario.id}/export?format=${format}`, other)).res
            .status,
        ).toBe(404);
      }
      // Published, it is everyone's to read.
      const publish = await twin.app.request(`/api/scenarios/${scenario.id}`, {
        method: 'PATCH',
        headers: json,
        body: JSON.stringify({ status: 'published' }),
      });
      expect(publish.status).toBe(200);
      const published = await download(`/api/scenarios/${scenario.id}/export?format=gpkg`);
      expect(published.res.status).toBe(200);
      const file = join(dir, 'published-edits.gpkg');
      writeFileSync(file, published.bytes);
      expect(ogrSummary(file).layers[0]!.count).toBe(edits.edits.length);
    },
  );

  it('refuses an unknown format (400), an unknown layer or dataset (404) and an export over the cap (413)', async () => {
    expect((await twin.app.request('/api/layers/buildings/export?format=shp')).status).toBe(400);
    expect((await twin.app.request('/api/layers/nope/export')).status).toBe(404);
    expect(
      (await twin.app.request('/api/datasets/999999999/export', { headers: await twin.as('gis') }))
        .status,
    ).toBe(404);
    expect((await twin.app.request('/api/layers/buildings/export?bbox=1,2')).status).toBe(400);
    const all = await twin.app.request('/api/layers/buildings/export?format=gpkg');
    expect(all.status).toBe(413);
    expect(((await all.json()) as { error: { message: string } }).error.message).toMatch(
      /at most 5000 are exported at once.*bbox/,
    );
  });

  it('exports a staff layer only to staff: 401 anonymous, every pipe for a planner (issue #9)', async () => {
    const path = `/api/layers/water_pipes/export?format=geojson&bbox=${BBOX}`;
    const anonymous = await twin.app.request(path);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-disposition')).toBeNull();
    const staff = await twin.app.request(path, { headers: await twin.as('planner') });
    expect(staff.status).toBe(200);
    const [w, s, e, n] = BBOX.split(',').map(Number);
    const pipes = Number(
      (
        await sql<{ n: string }>`SELECT count(*)::text AS n FROM water_pipes
      WHERE geom && ST_Transform(ST_MakeEnvelope(${w}, ${s}, ${e}, ${n}, 4326), 3857)`.execute(
          twin.backend.db,
        )
      ).rows[0]!.n,
    );
    expect(pipes).toBeGreaterThan(0);
    expect(((await staff.json()) as { features: unknown[] }).features).toHaveLength(pipes);
  });
});
