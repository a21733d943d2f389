import { describe, expect, it } from 'vitest';
import { decodeTile } from '../test/support/mvt';
import { encodeMvt } from './mvt-encoder';
import { ringArea, toTileGeometry } from './tile-geometry';
import { readWkb } from './wkb';

/** A WKB polygon (little endian) from rings of [x, y]. */
function wkbPolygon(rings: [number, number][][]): Uint8Array {
  const size = 9 + rings.reduce((n, r) => n + 4 + r.length * 16, 0);
  const view = new DataView(new ArrayBuffer(size));
  let o = 0;
  view.setUint8(o, 1);
  view.setUint32(o + 1, 3, true);
  view.setUint32(o + 5, rings.length, true);
  o += 9;
  for (const ring of rings) {
    view.setUint32(o, ring.length, true);
    o += 4;
    for (const [x, y] of ring) {
      view.setFloat64(o, x, true);
      view.setFloat64(o + 8, y, true);
      o += 16;
    }
  }
  return new Uint8Array(view.buffer);
}

describe('JavaScript MVT encoding', () => {
  it('round-trips a polygon with a hole, with the rings oriented as the spec requires', () => {
    // Tile space is y down; SQL flipped the rings, so both now have the wrong orientation.
    const outer: [number, number][] = [
      [100, 3996],
      [900, 3996],
      [900, 3196],
      [100, 3196],
      [100, 3996],
    ];
    const hole: [number, number][] = [
      [300, 3796],
      [300, 3496],
      [600, 3496],
      [600, 3796],
      [300, 3796],
    ];
    expect(ringArea(outer)).toBeLessThan(0);
    const geometry = toTileGeometry(readWkb(wkbPolygon([outer, hole])), 'polygon')!;
    const tile = encodeMvt([
      {
        name: 'buildings',
        extent: 4096,
        features: [
          { id: 7, geometry, properties: { height_m: 12.5, use: 'office', levels: 3, name: null } },
        ],
      },
    ]);
    const [feature] = decodeTile(tile).buildings!;
    expect(feature!.id).toBe(7);
    expect(feature!.type).toBe(3);
    expect(feature!.properties).toEqual({ height_m: 12.5, use: 'office', levels: 3 });
    const [ext, inner] = feature!.geometry.map((r) => r.map((p) => [p.x, p.y] as [number, number]));
    expect(ext).toContainEqual([100, 3996]);
    expect(ext).toContainEqual([900, 3196]);
    expect(ringArea(ext!)).toBeGreaterThan(0);
    expect(ringArea(inner!)).toBeLessThan(0);
  });

  it('drops rings that collapse when rounded to the tile grid', () => {
    const sliver: [number, number][] = [
      [10, 10],
      [10.2, 10],
      [10.2, 10.3],
      [10, 10],
    ];
    expect(toTileGeometry(readWkb(wkbPolygon([sliver])), 'polygon')).toBeNull();
  });

  it('encodes negative integers, doubles, booleans and strings', () => {
    const tile = encodeMvt([
      {
        name: 'l',
        extent: 4096,
        features: [
          {
            id: 1,
            geometry: { type: 'Point', points: [[5, 6]] },
            properties: { a: -3, b: 2.25, c: true, d: 'x', e: 300 },
          },
        ],
      },
    ]);
    const [f] = decodeTile(tile).l!;
    expect(f!.properties).toEqual({ a: -3, b: 2.25, c: true, d: 'x', e: 300 });
    expect(f!.geometry).toEqual([[{ x: 5, y: 6 }]]);
  });

  it('writes nothing for a layer without features (an empty tile)', () => {
    expect(encodeMvt([{ name: 'empty', extent: 4096, features: [] }]).byteLength).toBe(0);
  });
});
