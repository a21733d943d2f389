import { describe, expect, it } from 'vitest';
import {
  lonLatToMercator,
  lonLatToTile,
  mercatorToLonLat,
  parseTileCoord,
  TileCoordError,
  tileBounds,
  WORLD_HALF,
} from './tile-coords';

describe('parseTileCoord', () => {
  it('accepts integers in range, including the z0 tile', () => {
    expect(parseTileCoord('0', '0', '0')).toEqual({ z: 0, x: 0, y: 0 });
    expect(parseTileCoord('15', '32767', '0')).toEqual({ z: 15, x: 32767, y: 0 });
  });

  it.each([
    ['negative', '3', '-1', '0'],
    ['x = 2^z', '3', '8', '0'],
    ['y = 2^z', '3', '0', '8'],
    ['fraction', '3', '1.5', '0'],
    ['exponent', '3', '1e0', '0'],
    ['leading zero', '3', '01', '0'],
    ['hex', '3', '0x1', '0'],
    ['empty', '3', '', '0'],
    ['whitespace', '3', ' 1', '0'],
    ['z too deep', '23', '0', '0'],
    ['sql', '3', '1;drop table buildings', '0'],
  ])('rejects %s', (_, z, x, y) => {
    expect(() => parseTileCoord(z, x, y)).toThrow(TileCoordError);
  });
});

describe('tile geometry helpers', () => {
  it('gives the z0 tile the whole mercator square', () => {
    expect(tileBounds({ z: 0, x: 0, y: 0 })).toEqual({
      minX: -WORLD_HALF,
      minY: -WORLD_HALF,
      maxX: WORLD_HALF,
      maxY: WORLD_HALF,
    });
  });

  it('puts the origin at the corner of the four z1 tiles', () => {
    expect(tileBounds({ z: 1, x: 1, y: 1 })).toMatchObject({ minX: 0, maxY: 0 });
    expect(lonLatToTile(0.0001, -0.0001, 1)).toEqual({ z: 1, x: 1, y: 1 });
  });

  it('round-trips WGS84 through web mercator', () => {
    const [x, y] = lonLatToMercator(5.1214, 52.0907);
    const [lon, lat] = mercatorToLonLat(x, y);
    expect(lon).toBeCloseTo(5.1214, 9);
    expect(lat).toBeCloseTo(52.0907, 9);
  });

  it('clamps the antimeridian into the last column', () => {
    expect(lonLatToTile(180, 0, 4).x).toBe(15);
    expect(lonLatToTile(-180, 0, 4).x).toBe(0);
  });
});
