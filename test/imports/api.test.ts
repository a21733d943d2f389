import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends';
import { createTestTwin, type TestTwin } from '../support/twin';
import { fetchTile } from '../support/mvt';
import { lonLatToTile } from '../../tiles/tile-coords';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, gisRequest, pointFeatures } from './support';
import type { ImportJobResponse } from '../../common/api-types';

/** Two hydrants in the demo city and one beyond the pole, which the import rejects. */
const POINTS = pointFeatures([
  ['h1', { name: 'Hydrant 1', pressure_bar: 4.5 }, [5.1214, 52.0907]],
  ['h2', { name: 'Hydrant 2', pressure_bar: 3.9 }, [5.1224, 52.0911]],
  ['bad', { name: 'Nowhere', pressure_bar: 1 }, [5.12, 95]],
]);

function form(
  fields: Record<string, string | string[]>,
  file?: { name: string; body: string },
): FormData {
  const f = new FormData();
  for (const [k, v] of Object.entries(fields)) for (const one of [v].flat()) f.append(k, one);
  if (file) f.append('file', new Blob([file.body]), file.name);
  return f;
}

describe.each(BACKENDS)('dataset API on %s', (kind) => {
  let twin: TestTwin;
  beforeAll(async () => {
    twin = await createTestTwin(kind, { TWIN_IMPORT_MAX_MB: '1' });
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  const waitFor = async (id: string): Promise<ImportJobResponse> => {
    // The events stream ends when the job does; its last event is the final state.
    const res = await gisRequest(twin, `/api/datasets/${id}/events`);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await res.text();
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((m) => ({
      event: m[1],
      data: JSON.parse(m[2]!),
    }));
    expect(events.at(-1)!.event).toBe('end');
    expect(events[0]!.event).toBe('progress');
    return (await (await gisRequest(twin, `/api/datasets/${id}`)).json()) as ImportJobResponse;
  };

  it('imports an uploaded file into a new custom layer that is published as tiles', async () => {
    const res = await gisRequest(twin, '/api/datasets', {
      method: 'POST',
      body: form(
        {
          layer: 'hydrants',
          name: 'Hydrants 2026',
          licence: 'CC-BY-4.0',
          source: 'city GIS',
          map: ['name=name', 'pressure_bar=pressure_bar'],
        },
        { name: 'hydrants.geojson', body: JSON.stringify(POINTS) },
      ),
    });
    expect(res.status).toBe(202);
    const created = (await res.json()) as ImportJobResponse;
    expect(created.links.events).toBe(`/api/datasets/${created.job.id}/events`);
    const done = await waitFor(created.job.id);
    expect(done.job).toMatchObject({
      status: 'succeeded',
      error: null,
      counts: { accepted: 2, repaired: 0, rejected: 1 },
      progress: { phase: 'done' },
    });
    const [w, s, e, n] = done.job.extent!;
    expect([w, s, e, n].map((v) => Math.round(v! * 1000) / 1000)).toEqual([
      5.121, 52.091, 5.122, 52.091,
    ]);

    const list = (await (await gisRequest(twin, '/api/datasets')).json()) as {
      datasets: Record<string, unknown>[];
    };
    const ds = list.datasets.find((d) => d.id === done.job.dataset_id)!;
    expect(ds).toMatchObject({
      name: 'Hydrants 2026',
      layer: 'hydrants',
      source: 'city GIS',
      licence: 'CC-BY-4.0',
      counts: { accepted: 2, repaired: 0, rejected: 1 },
    });
    expect(typeof ds.imported_at).toBe('string');
    expect(ds.extent).toEqual(done.job.extent);
    // The demo city's dataset is listed too, with its counts.
    expect(
      list.datasets.some(
        (d) => d.layer === null && (d.counts as { accepted: number }).accepted > 0,
      ),
    ).toBe(true);

    const catalog = (await (await gisRequest(twin, '/tiles/catalog.json')).json()) as {
      layers: { name: string; attributes: Record<string, unknown> }[];
    };
    const layer = catalog.layers.find((l) => l.name === 'hydrants')!;
    expect(Object.keys(layer.attributes)).toEqual(['name', 'pressure_bar']);
    const tile = lonLatToTile(5.1214, 52.0907, 16);
    // A new custom layer is staff until GIS staff publish it (issue #9).
    expect(
      (await twin.app.request(`/tiles/hydrants/${tile.z}/${tile.x}/${tile.y}.mvt`)).status,
    ).toBe(401);
    const decoded = await fetchTile(
      { request: (p, i) => gisRequest(twin, p, i) },
      `/tiles/hydrants/${tile.z}/${tile.x}/${tile.y}.mvt`,
    );
    const features = decoded.layers.hydrants;
    expect(features?.length).toBeGreaterThanOrEqual(1);

    const report = await gisRequest(twin, `/api/datasets/${created.job.id}/report`);
    expect(report.headers.get('content-disposition')).toMatch(
      /attachment; filename="import-.*\.json"/,
    );
    const body = (await report.json()) as {
      features: { source_id: string; status: string; reason: string }[];
      counts: unknown;
    };
    expect(body.features).toEqual([
      {
        idx: 3,
        source_id: 'bad',
        status: 'rejected',
        reason: expect.stringMatching(/latitude 95/),
      },
    ]);
  });

  it('previews an upload: format, CRS, fields with sample values and features in WGS84', async () => {
    const zip = readFileSync(join(FIXTURES, 'panden-rd.zip'));
    const f = new FormData();
    f.append('file', new Blob([zip]), 'panden.zip');
    const res = await gisRequest(twin, '/api/datasets/preview', { method: 'POST', body: f });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      format: string;
      crs: string;
      fields: { name: string; samples: unknown[] }[];
      features: { geometry: { coordinates: number[][][] } }[];
    };
    expect(body.format).toBe('shapefile');
    expect(body.crs).toBe('EPSG:28992');
    expect(body.fields.find((x) => x.name === 'naam')!.samples).toEqual([
      'Stadhuis',
      'Toren',
      'Schuur',
    ]);
    expect(body.features).toHaveLength(3);
    const [lon, lat] = body.features[0]!.geometry.coordinates[0]![0]!;
    expect(lon).toBeCloseTo(5.11, 2);
    expect(lat).toBeCloseTo(52.09, 2);
    const bad = await gisRequest(twin, '/api/datasets/preview', {
      method: 'POST',
      body: form(
        {},
        { name: 'x.inp', body: '[JUNCTIONS]\n J1 1 1\n[COORDINATES]\n J1 136000 455900\n' },
      ),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /--srs EPSG:xxxx/,
    );
  });

  it('answers bad requests with 400, oversized uploads with 413 and unknown jobs with 404', async () => {
    const noLayer = await gisRequest(twin, '/api/datasets', {
      method: 'POST',
      body: form({}, { name: 'x.geojson', body: '{}' }),
    });
    expect(noLayer.status).toBe(400);
    expect(((await noLayer.json()) as { error: { message: string } }).error.message).toMatch(
      /layer/,
    );
    const noFile = await gisRequest(twin, '/api/datasets', {
      method: 'POST',
      body: form({ layer: 'buildings' }),
    });
    expect(noFile.status).toBe(400);
    const notMultipart = await gisRequest(twin, '/api/datasets', {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(notMultipart.status).toBe(400);
    const badMap = await gisRequest(twin, '/api/datasets', {
      method: 'POST',
      body: form(
        { layer: 'buildings', map: 'height_m=eval(1)' },
        { name: 'x.geojson', body: '{}' },
      ),
    });
    expect(badMap.status).toBe(400);
    const big = await gisRequest(twin, '/api/datasets', {
      method: 'POST',
      body: form(
        { layer: 'buildings' },
        { name: 'big.geojson', body: ' '.repeat(1024 * 1024 + 10) },
      ),
    });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe('too_large');
    expect(
      (await gisRequest(twin, '/api/datasets/00000000-0000-4000-8000-000000000000')).status,
    ).toBe(404);
    expect((await gisRequest(twin, '/api/datasets/not-a-job')).status).toBe(404);
  });
});
