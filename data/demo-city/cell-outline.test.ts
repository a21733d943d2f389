import { describe, expect, it } from 'vitest';
import { cellOutline } from './cell-outline';
import { signedArea, type Position } from './geometry';
import { assemblePolygons } from './rings';

const identity = (a: number, b: number): Position => [a, b];
const block = (w: number, h: number, skip: string[] = []) => {
  const cells: { a: number; b: number }[] = [];
  for (let a = 0; a < w; a++) {
    for (let b = 0; b < h; b++) if (!skip.includes(`${a},${b}`)) cells.push({ a, b });
  }
  return cells;
};
const areas = (polygons: Position[][][]) => polygons.map((rings) => rings.map(signedArea));

describe('cell outline', () => {
  it('outlines a block of cells as one counter-clockwise ring', () => {
    expect(areas(cellOutline(block(3, 2), identity))).toEqual([[6]]);
  });

  it('gives a polygon with a hole when the middle cell is missing', () => {
    expect(areas(cellOutline(block(3, 3, ['1,1']), identity))).toEqual([[9, -1]]);
  });

  it('splits cells that touch only at a corner into two polygons', () => {
    const polygons = cellOutline(
      [
        { a: 0, b: 0 },
        { a: 1, b: 1 },
      ],
      identity,
    );
    expect(areas(polygons)).toEqual([[1], [1]]);
  });

  it('keeps a hole that touches its shell at a corner as a separate ring', () => {
    // 3 × 3 less the centre and the top-right corner: the hole meets the notch at (2, 2).
    const polygons = cellOutline(block(3, 3, ['1,1', '2,2']), identity);
    expect(areas(polygons)).toEqual([[8, -1]]);
    for (const ring of polygons[0]!) {
      expect(new Set(ring.map((p) => p.join())).size).toBe(ring.length);
    }
  });
});

describe('assemble polygons', () => {
  it('splits a pinched ring into a shell and a hole', () => {
    // A 4 × 4 square whose boundary loops round a diamond hole touching it at (2, 0).
    const pinched: Position[] = [
      [0, 0],
      [2, 0],
      [1, 1],
      [2, 2],
      [3, 1],
      [2, 0],
      [4, 0],
      [4, 4],
      [0, 4],
    ];
    expect(areas(assemblePolygons([pinched]))).toEqual([[16, -2]]);
  });

  it('drops spikes that enclose no area', () => {
    const spiked: Position[] = [
      [0, 0],
      [2, 0],
      [3, 0],
      [2, 0],
      [2, 2],
      [0, 2],
    ];
    expect(areas(assemblePolygons([spiked]))).toEqual([[4]]);
  });
});
