import { describe, expect, it } from 'vitest';
import { metresPerPixel, scaleBar } from './scale-bar';

describe('scale bar', () => {
  it('gives web-mercator ground resolution for 512-pixel tiles', () => {
    expect(metresPerPixel(0, 0)).toBeCloseTo(78_271.5, 0);
    // Half as many metres per pixel one zoom level in; cos(60°) = 0.5 at 60° N.
    expect(metresPerPixel(60, 1)).toBeCloseTo(78_271.5 / 4, 0);
  });

  it('picks the longest 1-2-5 distance that fits', () => {
    expect(scaleBar(1, 120)).toEqual({ px: 100, label: '100 m', metres: 100 });
    expect(scaleBar(2, 120)).toEqual({ px: 100, label: '200 m', metres: 200 });
    expect(scaleBar(10, 120)).toEqual({ px: 100, label: '1 km', metres: 1000 });
    expect(scaleBar(45, 120).label).toBe('5 km');
  });

  it('handles sub-metre resolutions', () => {
    const s = scaleBar(0.05, 120);
    expect(s.label).toBe('5 m');
    expect(s.px).toBeCloseTo(100);
  });
});
