import { describe, expect, it } from 'vitest';
import { lineWkt, multiPolygonWkt, pointWkt, toRow, type IdOffsets } from './demo-inserts';

const none: IdOffsets = {
  land_use: 0,
  road_nodes: 0,
  road_links: 0,
  buildings: 0,
  water_nodes: 0,
  water_pipes: 0,
  power_nodes: 0,
  power_lines: 0,
};

describe('demo city inserts', () => {
  it('writes WKT for points, lines and multipolygons with holes', () => {
    expect(pointWkt([1.5, 2])).toBe('POINT(1.5 2)');
    expect(
      lineWkt([
        [0, 0],
        [10.25, 3],
      ]),
    ).toBe('LINESTRING(0 0,10.25 3)');
    const square = [
      [0, 0],
      [4, 0],
      [4, 4],
      [0, 4],
      [0, 0],
    ] as [number, number][];
    const hole = [
      [1, 1],
      [1, 2],
      [2, 2],
      [2, 1],
      [1, 1],
    ] as [number, number][];
    expect(multiPolygonWkt([[square, hole]])).toBe(
      'MULTIPOLYGON(((0 0,4 0,4 4,0 4,0 0),(1 1,1 2,2 2,2 1,1 1)))',
    );
  });

  it('shifts ids and node references past rows already in the database', () => {
    const link = {
      id: 3,
      from_node: 1,
      to_node: 2,
      geom: [
        [0, 0],
        [1, 1],
      ],
      class: 'local',
    };
    const row = toRow('road_links', link, { ...none, road_links: 100, road_nodes: 40 });
    expect(row).toMatchObject({ id: 103, from_node: 41, to_node: 42, class: 'local' });
    expect(row.wkt).toBe('LINESTRING(0 0,1 1)');
    expect(row).not.toHaveProperty('geom');
  });
});
