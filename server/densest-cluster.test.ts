import { describe, expect, it } from 'vitest';
import {
  densestCluster,
  lonLatToMercator,
  mercatorToLonLat,
  type CountedCell,
} from './densest-cluster';

const cell = (cx: number, cy: number, count: number): CountedCell => ({
  cx,
  cy,
  count,
  minX: cx * 1000,
  minY: cy * 1000,
  maxX: cx * 1000 + 900,
  maxY: cy * 1000 + 900,
});

describe('densest cluster', () => {
  it('frames the denser of two far-apart cities, not the gap between them', () => {
    const utrecht = [cell(0, 0, 500), cell(1, 0, 300), cell(0, 1, 200), cell(1, 1, 90)];
    const manhattan = [cell(-900, 300, 400), cell(-899, 300, 380)];
    const c = densestCluster([...manhattan, ...utrecht])!;
    expect(c.bounds).toEqual([0, 0, 1900, 1900]);
    expect(c.count).toBe(1090);
    expect(c.cells).toBe(4);
  });

  it('does not grow over a thin trail of stray features', () => {
    const city = [cell(0, 0, 1000), cell(1, 0, 800)];
    const trail = [cell(2, 0, 3), cell(3, 0, 2), cell(4, 0, 900)];
    expect(densestCluster([...city, ...trail])!.bounds).toEqual([0, 0, 1900, 900]);
  });

  it('answers null without data', () => {
    expect(densestCluster([])).toBeNull();
  });

  it('converts web-mercator metres and degrees both ways', () => {
    const [x, y] = lonLatToMercator(5.1214, 52.0907);
    const [lon, lat] = mercatorToLonLat(x, y);
    expect(lon).toBeCloseTo(5.1214, 9);
    expect(lat).toBeCloseTo(52.0907, 9);
    expect(lonLatToMercator(180, 0)[0]).toBeCloseTo(20037508.34, 2);
  });
});
