import { describe, expect, it } from 'vitest';
import { hourlySunPositions, shadowLength, shadowOffset, shadowPolygon } from './shadow';

describe('shadow', () => {
  it('has length height ÷ tan(altitude) for a known sun position', () => {
    expect(shadowLength(100, 45)).toBeCloseTo(100, 9);
    expect(shadowLength(30, 30)).toBeCloseTo(30 * Math.sqrt(3), 9); // 51.96 m
  });

  it('points away from the sun: due north when the sun is due south', () => {
    const [dx, dy] = shadowOffset(30, { altitudeDeg: 30, azimuthDeg: 180 });
    expect(dx).toBeCloseTo(0, 9);
    expect(dy).toBeCloseTo(30 * Math.sqrt(3), 9);
  });

  it('matches the hand-computed noon sun at the demo centre on the equinox', () => {
    // 2026-03-20, Utrecht (52.09° N, 5.12° E): solar noon ≈ 11:40 UTC, declination ≈ 0°, so
    // altitude ≈ 90° − 52.09° ≈ 37.9° and a 30 m building casts 30 ÷ tan 37.9° ≈ 38.5 m north.
    const noon = hourlySunPositions(new Date(Date.UTC(2026, 2, 20, 12)), 5.12, 52.09).find(
      (p) => p.time.getUTCHours() === 12,
    )!;
    expect(noon.altitudeDeg).toBeGreaterThan(36.5);
    expect(noon.altitudeDeg).toBeLessThan(38.5);
    expect(shadowLength(30, 37.9)).toBeCloseTo(38.5, 1);
  });

  it('lists the sun hourly from sunrise to sunset, all above the horizon', () => {
    const winter = hourlySunPositions(new Date(Date.UTC(2026, 11, 21, 12)), 5.12, 52.09);
    const equinox = hourlySunPositions(new Date(Date.UTC(2026, 2, 20, 12)), 5.12, 52.09);
    expect(winter.length).toBeGreaterThanOrEqual(6);
    expect(winter.length).toBeLessThan(equinox.length);
    for (const p of winter) expect(p.altitudeDeg).toBeGreaterThan(0);
  });

  it('extrudes a footprint along the shadow direction, in mercator units at the latitude', () => {
    // A 10 m square at the equator, 10 m tall, sun due south at 45°: shadow reaches 10 m north.
    const ring: [number, number][] = [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]];
    const poly = shadowPolygon(ring, 10, { time: new Date(0), altitudeDeg: 45, azimuthDeg: 180 }, 0);
    const maxY = Math.max(...poly.map((p) => p[1]));
    expect(maxY).toBeCloseTo(20, 9);
    // At 60° N one ground metre is 2 mercator units.
    const north = shadowPolygon(ring, 10, { time: new Date(0), altitudeDeg: 45, azimuthDeg: 180 }, 60);
    expect(Math.max(...north.map((p) => p[1]))).toBeCloseTo(30, 6);
  });
});
