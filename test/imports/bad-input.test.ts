import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { BACKENDS } from '../support/backends';
import {
  FIXTURES,
  gisRequest,
  importTwin,
  osmPbf,
  runImport,
  scratchDir,
  snapshot,
  writeFile,
} from './support';
import { cornerSquare } from '../support/requests';

/** A small square's GeoJSON coordinates, `d` degrees a side from its south-west corner. */
const square = (x: number, y: number, d = 0.001) => cornerSquare(x, y, d).coordinates;
const feature = (id: string, coordinates: unknown, type = 'Polygon') =>
  `{"type":"Feature","id":"${id}","properties":{"height":10},"geometry":{"type":"${type}","coordinates":${typeof coordinates === 'string' ? coordinates : JSON.stringify(coordinates)}}}`;

describe.each(BACKENDS)('bad input on %s', (kind) => {
  // A 16 MiB cap on unzipped archives, so the 64 MiB bomb fixture exceeds it.
  const ctx = importTwin(kind, { TWIN_IMPORT_MAX_UNZIPPED_MB: '16' });

  it('accepts good features, repairs a bow-tie and rejects bad coordinates, each with a reason', async () => {
    const features = [
      feature('good', square(5.12, 52.09)),
      feature('bowtie', [
        [
          [5.13, 52.09],
          [5.131, 52.091],
          [5.131, 52.09],
          [5.13, 52.091],
          [5.13, 52.09],
        ],
      ]),
      feature('unclosed', [
        [
          [5.14, 52.09],
          [5.141, 52.09],
          [5.141, 52.091],
          [5.14, 52.091],
        ],
      ]),
      feature('nan', '[[[NaN,52.09],[5.151,52.09],[5.151,52.091],[NaN,52.09]]]'),
      feature('infinity', '[[[Infinity,52.09],[5.151,52.09],[5.151,52.091],[Infinity,52.09]]]'),
      feature('overflow', '[[[1e999,52.09],[5.151,52.09],[5.151,52.091],[1e999,52.09]]]'),
      feature('huge', [
        [
          [1e308, 52.09],
          [5.151, 52.09],
          [5.151, 52.091],
          [1e308, 52.09],
        ],
      ]),
      feature('lat95', [
        [
          [5.16, 95],
          [5.161, 95],
          [5.161, 95.001],
          [5.16, 95],
        ],
      ]),
      feature('point', [5.12, 52.09], 'Point'),
    ];
    const file = writeFile(
      ctx.dir,
      'corpus.geojson',
      `{"type":"FeatureCollection","features":[${features.join(',\n')}]}`,
    );
    const job = await runImport(ctx.twin, file, { layer: 'buildings', name: 'corpus' });
    expect(job.error).toBeNull();
    expect(job.counts).toEqual({ accepted: 1, repaired: 1, rejected: 7 });
    const report = (await (
      await gisRequest(ctx.twin, `/api/datasets/${job.id}/report`)
    ).json()) as {
      features: { idx: number; source_id: string; status: string; reason: string }[];
    };
    const reasons = Object.fromEntries(
      report.features.map((f) => [f.source_id, `${f.status}: ${f.reason}`]),
    );
    expect(reasons).toEqual({
      bowtie: expect.stringMatching(/^repaired: invalid geometry repaired: Self-intersection/),
      unclosed: expect.stringMatching(/^rejected: .*not closed/),
      nan: expect.stringMatching(/^rejected: coordinate is not a finite number/),
      infinity: expect.stringMatching(/^rejected: coordinate is not a finite number/),
      overflow: expect.stringMatching(/^rejected: coordinate is not a finite number/),
      huge: expect.stringMatching(/^rejected: longitude 1e\+308 is out of range/),
      lat95: expect.stringMatching(/^rejected: latitude 95 is out of range/),
      point: expect.stringMatching(/^rejected: buildings need polygons/),
    });
    const bowtie = await sql<{
      t: string;
      valid: boolean;
    }>`SELECT GeometryType(geom) AS t, ST_IsValid(geom) AS valid
      FROM buildings WHERE source_id = 'bowtie'`.execute(ctx.twin.backend.db);
    expect(bowtie.rows).toEqual([{ t: 'MULTIPOLYGON', valid: true }]);
    const csv = await (
      await gisRequest(ctx.twin, `/api/datasets/${job.id}/report?format=csv`)
    ).text();
    expect(csv.split('\n')[0]).toBe('feature,source_id,status,reason');
    expect(csv).toContain('lat95,rejected');
  });

  const fileErrors: [string, () => string, Record<string, string>, RegExp][] = [
    [
      'a zip bomb',
      () => join(FIXTURES, 'zip-bomb.zip'),
      { layer: 'buildings' },
      /would expand to 67108864 bytes; the limit is/,
    ],
    [
      'a zip entry with ../',
      () => join(FIXTURES, 'zip-traversal.zip'),
      { layer: 'buildings' },
      /escapes the archive with "\.\."/,
    ],
    [
      'a zip entry with an absolute path',
      () => join(FIXTURES, 'zip-absolute.zip'),
      { layer: 'buildings' },
      /absolute path/,
    ],
    [
      'a zip entry that is a symbolic link',
      () => join(FIXTURES, 'zip-symlink.zip'),
      { layer: 'buildings' },
      /symbolic link/,
    ],
    [
      'a truncated GeoJSON file',
      () =>
        writeFile(
          scratchDir(),
          'cut.geojson',
          `{"type":"FeatureCollection","features":[${feature('a', square(5.12, 52.09))},${feature('b', square(5.13, 52.09)).slice(0, 40)}`,
        ),
      { layer: 'buildings' },
      /truncated GeoJSON/,
    ],
    [
      'a truncated OSM PBF file',
      () => {
        const pbf = osmPbf(
          [
            { id: 1, lon: 5.12, lat: 52.09 },
            { id: 2, lon: 5.121, lat: 52.09 },
          ],
          [{ id: 9, refs: [1, 2], tags: { highway: 'residential' } }],
        );
        return writeFile(scratchDir(), 'cut.osm.pbf', pbf.subarray(0, pbf.length - 7));
      },
      { layer: 'roads' },
      /truncated OSM PBF/,
    ],
    [
      'projected coordinates without a crs member (wrong CRS)',
      () =>
        writeFile(
          scratchDir(),
          'rd-no-crs.geojson',
          `{"type":"FeatureCollection","features":[${feature('a', square(136000, 455900, 10))}]}`,
        ),
      { layer: 'buildings' },
      /CRS is missing or wrong; set the source CRS with --srs EPSG:xxxx/,
    ],
    [
      'an unknown CRS',
      () =>
        writeFile(
          scratchDir(),
          'unknown.geojson',
          `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:99999"}},"features":[${feature('a', square(5.12, 52.09))}]}`,
        ),
      { layer: 'buildings' },
      /unknown CRS EPSG:99999.*--srs EPSG:xxxx/,
    ],
    [
      'an EPANET model without --srs',
      () => join(FIXTURES, 'network.inp'),
      { layer: 'water' },
      /out of range|declares no CRS.*--srs EPSG:xxxx/,
    ],
    [
      'a file that is not any format',
      () => writeFile(scratchDir(), 'noise.bin', Buffer.from([1, 2, 3, 4, 5])),
      { layer: 'buildings' },
      /cannot tell the format/,
    ],
  ];

  it.each(fileErrors)(
    'refuses %s with a clear error and changes nothing',
    async (_label, make, o, message) => {
      const path = make();
      const before = await snapshot(ctx.twin.backend);
      const job = await runImport(ctx.twin, path, {
        ...o,
        layer: o.layer!,
        name: 'bad',
        limits: undefined,
      } as never);
      expect(job.status).toBe('failed');
      expect(job.error).toMatch(message);
      expect(await snapshot(ctx.twin.backend)).toEqual(before);
      // The failure is recorded with its reason.
      const res = await gisRequest(ctx.twin, `/api/datasets/${job.id}`);
      expect(((await res.json()) as { job: { status: string; error: string } }).job).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(message),
      });
    },
  );

  it('rolls back a load that fails inside the database, leaving rows and tile versions as they were', async () => {
    const first = writeFile(
      ctx.dir,
      'plots.geojson',
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { n: 1 },
            geometry: { type: 'Point', coordinates: [5.12, 52.09] },
          },
        ],
      }),
    );
    const ok = await runImport(ctx.twin, first, { layer: 'plots', mode: 'append' });
    expect(ok.error).toBeNull();
    const before = await snapshot(ctx.twin.backend);
    const plots = async () =>
      (
        await sql<{ n: string }>`SELECT count(*)::text AS n FROM custom_plots`.execute(
          ctx.twin.backend.db,
        )
      ).rows[0]!.n;
    const plotsBefore = await plots();
    // The layer's column n is an integer; 2.5 cannot be stored in it, so the load fails midway.
    const second = writeFile(
      ctx.dir,
      'plots2.geojson',
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { n: 2 },
            geometry: { type: 'Point', coordinates: [5.121, 52.09] },
          },
          {
            type: 'Feature',
            properties: { n: 2.5 },
            geometry: { type: 'Point', coordinates: [5.122, 52.09] },
          },
        ],
      }),
    );
    const bad = await runImport(ctx.twin, second, { layer: 'plots', mode: 'append' });
    expect(bad.status).toBe('failed');
    expect(bad.error).toMatch(/changed nothing: .*invalid input syntax for type integer/);
    expect(await snapshot(ctx.twin.backend)).toEqual(before);
    expect(await plots()).toBe(plotsBefore);
  });

  it('refuses bad options before reading the file', async () => {
    const file = writeFile(
      ctx.dir,
      'ok.geojson',
      `{"type":"FeatureCollection","features":[${feature('a', square(5.12, 52.09))}]}`,
    );
    await expect(
      runImport(ctx.twin, file, { layer: 'Robert"); DROP TABLE buildings;--' }),
    ).rejects.toThrow(/custom layer name must be/);
    await expect(
      runImport(ctx.twin, file, { layer: 'buildings', mapping: ['height_m=process.exit(1)'] }),
    ).rejects.toThrow(/unknown function/);
    await expect(
      runImport(ctx.twin, file, { layer: 'roads', mode: 'sync' as never }),
    ).rejects.toThrow(/mode must be one of/);
    await expect(
      runImport(ctx.twin, file, { layer: 'buildings', srs: 'EPSG:99999' }),
    ).rejects.toThrow(/unknown CRS EPSG:99999/);
    expect(readFileSync(file, 'utf8')).toContain('FeatureCollection');
  });
});
