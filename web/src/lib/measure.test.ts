import { describe, expect, it } from 'vitest';
import { formatArea, formatLength, pathLength, ringArea } from './measure.svelte';

describe('measure', () => {
  it('measures a path along the ground: one degree of latitude is about 111.2 km', () => {
    // On the WGS84 mean radius (6,371,008.8 m): π/180 × R.
    expect(
      pathLength([
        [5, 52],
        [5, 53],
      ]),
    ).toBeCloseTo(111_195, -1);
    expect(pathLength([[5, 52]])).toBe(0);
  });

  it('adds the legs of a path', () => {
    const a: [number, number] = [5.12, 52.09];
    const b: [number, number] = [5.13, 52.09];
    const c: [number, number] = [5.13, 52.1];
    expect(pathLength([a, b, c])).toBeCloseTo(pathLength([a, b]) + pathLength([b, c]), 6);
  });

  it('measures the true area of a ring, not its mercator area', () => {
    // A 0.01° × 0.01° cell at 52° N: about 1,112 m × 685 m.
    const cell: [number, number][] = [
      [5.12, 52.09],
      [5.13, 52.09],
      [5.13, 52.1],
      [5.12, 52.1],
    ];
    expect(ringArea(cell) / 1e6).toBeCloseTo(0.7619, 2);
    expect(ringArea(cell.slice(0, 2))).toBe(0);
  });

  it('writes lengths and areas in fitting units', () => {
    expect(formatLength(123.44)).toBe('123.4 m');
    expect(formatLength(2345.6)).toBe('2.346 km');
    expect(formatArea(850)).toBe('850 m²');
    expect(formatArea(12_400)).toBe('1.24 ha');
    expect(formatArea(2_100_000)).toBe('2.10 km²');
  });
});
