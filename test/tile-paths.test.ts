import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_CENTER } from '../data/seed-demo';
import { LayerCatalog } from '../tiles/catalog';
import { lonLatToTile, type TileCoord } from '../tiles/tile-coords';
import { HAS_POSTGRES } from './support/backends';
import { decodeTile, type DecodedFeature } from './support/mvt';
import { createTestTwin, type TestTwin } from './support/twin';

const catalog = new LayerCatalog();

/** A few tiles around the demo centre at each zoom, including neighbours sharing edges. */
function sampleTiles(): TileCoord[] {
  const out: TileCoord[] = [];
  for (const z of [12, 14, 15, 16]) {
    const c = lonLatToTile(DEFAULT_DEMO_CENTER[0], DEFAULT_DEMO_CENTER[1], z);
    for (const [dx, dy] of [
      [0, 0],
      [1, 0],
      [0, 1],
      [-1, -1],
    ] as const) {
      out.push({ z, x: c.x + dx, y: c.y + dy });
    }
  }
  return out;
}

function bbox(f: DecodedFeature): [number, number, number, number] {
  const ps = f.geometry.flat();
  return [
    Math.min(...ps.map((p) => p.x)),
    Math.min(...ps.map((p) => p.y)),
    Math.max(...ps.map((p) => p.x)),
    Math.max(...ps.map((p) => p.y)),
  ];
}

/** Same features (ids), same attributes and types, and geometry within a grid cell or two. */
function expectSameTile(a: Uint8Array, b: Uint8Array, label: string): number {
  const la = decodeTile(a);
  const lb = decodeTile(b);
  expect(Object.keys(la).sort(), label).toEqual(Object.keys(lb).sort());
  let compared = 0;
  for (const name of Object.keys(la)) {
    const byId = new Map(lb[name]!.map((f) => [f.id, f]));
    expect(la[name]!.map((f) => f.id).sort(), `${label} ${name} ids`).toEqual(
      lb[name]!.map((f) => f.id).sort(),
    );
    for (const fa of la[name]!) {
      const fb = byId.get(fa.id)!;
      expect(fa.properties, `${label} ${name} #${fa.id}`).toEqual(fb.properties);
      expect(fa.type).toBe(fb.type);
      const [ba, bb] = [bbox(fa), bbox(fb)];
      // Slivers lying wholly in the buffer are clipped in tile space by PostGIS and in map
      // space by the JS path; they may differ by more than rounding, and are never drawn.
      const inBufferOnly = ba[2] <= 0 || ba[0] >= 4096 || ba[3] <= 0 || ba[1] >= 4096;
      if (!inBufferOnly) {
        for (let i = 0; i < 4; i++) {
          expect(Math.abs(ba[i]! - bb[i]!)).toBeLessThanOrEqual(2);
        }
      }
      compared++;
    }
  }
  return compared;
}

describe.skipIf(!HAS_POSTGRES)(
  'ST_AsMVT and the JavaScript encoder give the same tiles (needs DATABASE_URL: skipped without it)',
  () => {
    let pg: TestTwin;
    let lite: TestTwin;

    beforeAll(async () => {
      [pg, lite] = await Promise.all([createTestTwin('postgres'), createTestTwin('pglite')]);
      expect(pg.backend.caps.mvt).toBe(true);
      expect(lite.backend.caps.mvt).toBe(false);
    });

    afterAll(async () => {
      await Promise.all([pg?.dispose(), lite?.dispose()]);
    });

    it('on PostgreSQL, encoding in SQL and in JavaScript agree', async () => {
      let compared = 0;
      for (const t of sampleTiles()) {
        const layers = catalog.layers.filter((l) => t.z >= l.minzoom && t.z <= l.maxzoom);
        const [sqlTile, jsTile] = await Promise.all([
          pg.tiles.build(layers, t, true),
          pg.tiles.build(layers, t, false),
        ]);
        compared += expectSameTile(sqlTile, jsTile, `${t.z}/${t.x}/${t.y}`);
      }
      expect(compared).toBeGreaterThan(1000);
    });

    it('the embedded backend serves the same tiles as PostgreSQL for the same city', async () => {
      let compared = 0;
      for (const t of sampleTiles()) {
        const layers = catalog.layers.filter((l) => t.z >= l.minzoom && t.z <= l.maxzoom);
        const [fromPg, fromLite] = await Promise.all([
          pg.tiles.build(layers, t),
          lite.tiles.build(layers, t),
        ]);
        compared += expectSameTile(fromPg, fromLite, `${t.z}/${t.x}/${t.y}`);
      }
      expect(compared).toBeGreaterThan(1000);
    });
  },
);
