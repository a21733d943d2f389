import { describe, expect, it } from 'vitest';
import { polygonProblem } from './polygon-checks';

const square = (x: number, y: number, s: number) => [
  [x, y],
  [x + s, y],
  [x + s, y + s],
  [x, y + s],
  [x, y],
];

describe('polygon checks before any area is computed', () => {
  it('passes a square and a polygon with a hole inside it', () => {
    expect(polygonProblem([square(0, 0, 10)])).toBeNull();
    expect(polygonProblem([square(0, 0, 10), square(2, 2, 3)])).toBeNull();
  });

  it('passes a hole touching the shell at one corner', () => {
    expect(
      polygonProblem([
        square(0, 0, 10),
        [
          [0, 0],
          [3, 1],
          [1, 3],
          [0, 0],
        ],
      ]),
    ).toBeNull();
  });

  it('refuses a hole that encloses its shell', () => {
    expect(polygonProblem([square(2, 2, 3), square(0, 0, 10)])).toMatch(
      /hole 1 is not inside|encloses/,
    );
  });

  it('refuses a hole outside the shell', () => {
    expect(polygonProblem([square(0, 0, 1), square(5, 5, 1)])).toMatch(
      /hole 1 is not inside the outer ring/,
    );
  });

  it('refuses a bow-tie (a ring crossing itself)', () => {
    expect(
      polygonProblem([
        [
          [0, 0],
          [1, 1],
          [1, 0],
          [0, 1],
          [0, 0],
        ],
      ]),
    ).toMatch(/crosses itself/);
  });

  it('refuses a ring with fewer than three distinct corners', () => {
    expect(
      polygonProblem([
        [
          [0, 0],
          [1, 1],
          [0, 0],
          [0, 0],
        ],
      ]),
    ).toMatch(/3 distinct corners/);
  });

  it('refuses a ring that doubles back on itself along an edge', () => {
    expect(
      polygonProblem([
        [
          [0, 0],
          [4, 0],
          [4, 2],
          [2, 0],
          [2, -2],
          [0, 0],
        ],
      ]),
    ).toMatch(/crosses itself/);
  });
});
