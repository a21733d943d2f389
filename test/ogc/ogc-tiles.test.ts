import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_CENTER } from '../../data/seed-demo';
import { lonLatToTile } from '../../tiles/tile-coords';
import { BACKENDS } from '../support/backends';
import { decodeTile } from '../support/mvt';
import { createTestTwin, type TestTwin } from '../support/twin';
import { BUILDING_TILE_FIELDS } from '../support/building-fields';

interface Link {
  href: string;
  rel: string;
  type?: string;
  templated?: boolean;
}
const TMS_URI = 'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad';

describe.each(BACKENDS)('OGC API – Tiles on %s (issue #15)', (kind) => {
  let twin: TestTwin;
  const get = (path: string, headers: Record<string, string> = {}) =>
    twin.app.request(path, { headers });
  const json = async <T>(path: string, headers: Record<string, string> = {}) => {
    const res = await get(path, headers);
    expect(res.status, path).toBe(200);
    expect(res.headers.get('content-type'), path).toMatch(/^application\/json/);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    twin = await createTestTwin(kind);
  });
  afterAll(async () => {
    await twin?.dispose();
  });

  it('describes WebMercatorQuad as a tile matrix set of 256-pixel tiles from zoom 0', async () => {
    const list = await json<{ tileMatrixSets: { id: string; uri: string }[] }>(
      '/ogc/tileMatrixSets',
    );
    expect(list.tileMatrixSets.map((t) => [t.id, t.uri])).toEqual([['WebMercatorQuad', TMS_URI]]);
    const tms = await json<{
      uri: string;
      crs: string;
      tileMatrices: {
        id: string;
        matrixWidth: number;
        cellSize: number;
        scaleDenominator: number;
        pointOfOrigin: number[];
      }[];
    }>('/ogc/tileMatrixSets/WebMercatorQuad');
    expect(tms.uri).toBe(TMS_URI);
    expect(tms.crs).toBe('http://www.opengis.net/def/crs/EPSG/0/3857');
    expect(tms.tileMatrices).toHaveLength(25);
    expect(tms.tileMatrices[0]).toMatchObject({
      id: '0',
      matrixWidth: 1,
      pointOfOrigin: [-20037508.342789244, 20037508.342789244],
    });
    // The standard's table (OGC 17-083r4, D.1): 559 082 264.03 at zoom 0, 156 543.03 m a pixel.
    expect(tms.tileMatrices[0]!.scaleDenominator).toBeCloseTo(559082264.0287178, 3);
    expect(tms.tileMatrices[0]!.cellSize).toBeCloseTo(156543.03392804097, 6);
    expect(tms.tileMatrices[18]!.matrixWidth).toBe(2 ** 18);
    expect((await get('/ogc/tileMatrixSets/WorldCRS84Quad')).status).toBe(404);
  });

  it("lists a collection's tilesets and describes the tileset with a templated tile link and zooms", async () => {
    const sets = await json<{
      tilesets: { tileMatrixSetURI: string; dataType: string; links: Link[] }[];
    }>('/ogc/collections/buildings/tiles');
    expect(sets.tilesets).toHaveLength(1);
    expect(sets.tilesets[0]).toMatchObject({ tileMatrixSetURI: TMS_URI, dataType: 'vector' });
    const self = sets.tilesets[0]!.links.find(
      (l) => l.type === 'application/json' && /WebMercatorQuad\?/.test(l.href),
    )!;
    const ts = await json<{
      tileMatrixSetURI: string;
      minTileMatrix: string;
      maxTileMatrix: string;
      tileMatrixSetLimits: {
        tileMatrix: string;
        minTileRow: number;
        maxTileRow: number;
        minTileCol: number;
        maxTileCol: number;
      }[];
      links: Link[];
      layers: { id: string; propertiesSchema: { properties: Record<string, unknown> } }[];
    }>(new URL(self.href).pathname);
    expect(ts.tileMatrixSetURI).toBe(TMS_URI);
    expect([ts.minTileMatrix, ts.maxTileMatrix]).toEqual(['12', '18']);
    const item = ts.links.find((l) => l.rel === 'item' && l.templated)!;
    expect(item.type).toBe('application/vnd.mapbox-vector-tile');
    expect(item.href).toMatch(
      /\/ogc\/collections\/buildings\/tiles\/WebMercatorQuad\/\{tileMatrix\}\/\{tileRow\}\/\{tileCol\}$/,
    );
    expect(
      ts.links.some((l) => l.rel === 'http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme'),
    ).toBe(true);
    expect(Object.keys(ts.layers[0]!.propertiesSchema.properties)).toEqual(BUILDING_TILE_FIELDS);
    const t = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 15);
    const lim = ts.tileMatrixSetLimits.find((l) => l.tileMatrix === '15')!;
    expect(t.y).toBeGreaterThanOrEqual(lim.minTileRow);
    expect(t.y).toBeLessThanOrEqual(lim.maxTileRow);
    expect(t.x).toBeGreaterThanOrEqual(lim.minTileCol);
    expect(t.x).toBeLessThanOrEqual(lim.maxTileCol);
  });

  it('serves the same MVT and ETag as /tiles at {z}/{y}/{x} (row before column), with 304 on a match', async () => {
    const t = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 15);
    const ogc = await get(`/ogc/collections/buildings/tiles/WebMercatorQuad/15/${t.y}/${t.x}`);
    const plain = await get(`/tiles/buildings/15/${t.x}/${t.y}.mvt`);
    expect(ogc.status).toBe(200);
    expect(ogc.headers.get('content-type')).toBe('application/vnd.mapbox-vector-tile');
    expect(ogc.headers.get('etag')).toBe(plain.headers.get('etag'));
    const bytes = new Uint8Array(await ogc.arrayBuffer());
    expect(bytes).toEqual(new Uint8Array(await plain.arrayBuffer()));
    const layer = decodeTile(bytes).buildings!;
    expect(layer.length).toBeGreaterThan(10);
    const again = await get(`/ogc/collections/buildings/tiles/WebMercatorQuad/15/${t.y}/${t.x}`, {
      'If-None-Match': ogc.headers.get('etag')!,
    });
    expect(again.status).toBe(304);
  });

  it('answers 404 outside the tileset, 400 for bad coordinates, and 401 for a staff tile to the public', async () => {
    const t = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], 15);
    expect((await get('/ogc/collections/buildings/tiles/WebMercatorQuad/5/0/0')).status).toBe(404);
    expect((await get('/ogc/collections/buildings/tiles/WebMercatorQuad/15/0/0')).status).toBe(404);
    expect((await get('/ogc/collections/buildings/tiles/WorldCRS84Quad/15/0/0')).status).toBe(404);
    expect((await get('/ogc/collections/buildings/tiles/WebMercatorQuad/15/-1/x')).status).toBe(
      400,
    );
    expect(
      (await get(`/ogc/collections/buildings/tiles/WebMercatorQuad/15/${t.y}/${t.x}?f=png`)).status,
    ).toBe(400);
    const pipes = `/ogc/collections/water_pipes/tiles/WebMercatorQuad/15/${t.y}/${t.x}`;
    expect((await get(pipes)).status).toBe(401);
    const staff = await get(pipes, await twin.as('planner'));
    expect(staff.status).toBe(200);
    expect(staff.headers.get('cache-control')).toMatch(/^private/);
  });
});
