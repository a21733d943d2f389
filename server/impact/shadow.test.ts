import { describe, expect, it } from 'vitest';
import { shadowStudy } from './models/shadow-impact';
import {
  daySunPositions,
  shadowLength,
  shadowOffset,
  shadowPolygon,
  STEP_MINUTES,
  sunPosition,
} from './shadow';
import { entryDistance, prism, PrismIndex } from './shadow-rays';
import type { HeightChange } from './scenario-changes';

describe('sun position (NREL SPA)', () => {
  it('reproduces the SPA reference case within 0.05°', () => {
    // Reda & Andreas (2004), table A4.1: 2003-10-17 12:30:30 local (UTC−7) at 39.742476 N,
    // 105.1786 W, 1830.14 m, 820 mbar, 11 °C, ΔT 67 s → zenith 50.11162°, azimuth 194.34024°.
    const p = sunPosition(new Date(Date.UTC(2003, 9, 17, 19, 30, 30)), -105.1786, 39.742476, {
      elevationM: 1830.14,
      pressureMbar: 820,
      temperatureC: 11,
      deltaT: 67,
    });
    expect(Math.abs(90 - p.altitudeDeg - 50.11162)).toBeLessThan(0.05);
    expect(Math.abs(p.azimuthDeg - 194.34024)).toBeLessThan(0.05);
    // In fact it agrees to the published digits.
    expect(90 - p.altitudeDeg).toBeCloseTo(50.11162, 4);
    expect(p.azimuthDeg).toBeCloseTo(194.34024, 4);
  });

  it('steps through the day every 10 minutes while the sun is up, longer in March than in December', () => {
    const march = daySunPositions(new Date(Date.UTC(2026, 2, 21)), 5.12, 52.09);
    const december = daySunPositions(new Date(Date.UTC(2026, 11, 21)), 5.12, 52.09);
    expect(STEP_MINUTES).toBeLessThanOrEqual(10);
    expect(march[1]!.time.getTime() - march[0]!.time.getTime()).toBe(STEP_MINUTES * 60_000);
    // About 12 h of day at the equinox, 7.7 h at the winter solstice at 52° N.
    expect((march.length * STEP_MINUTES) / 60).toBeCloseTo(12.2, 0);
    expect((december.length * STEP_MINUTES) / 60).toBeCloseTo(7.8, 0);
    for (const p of december) expect(p.altitudeDeg).toBeGreaterThan(0);
    // Noon on the equinox: altitude ≈ 90° − 52.09° + declination (≈ 0.1°).
    expect(Math.max(...march.map((p) => p.altitudeDeg))).toBeCloseTo(38, 0);
  });
});

describe('shadow geometry', () => {
  it('has length height ÷ tan(altitude), pointing away from the sun', () => {
    expect(shadowLength(100, 45)).toBeCloseTo(100, 9);
    const [dx, dy] = shadowOffset(30, { altitudeDeg: 30, azimuthDeg: 180 });
    expect(dx).toBeCloseTo(0, 9);
    expect(dy).toBeCloseTo(30 * Math.sqrt(3), 9);
  });

  it('extrudes a footprint along the shadow direction, in mercator units at the latitude', () => {
    const ring: [number, number][] = [
      [0, 0],
      [10, 0],
      [10, 10],
      [0, 10],
      [0, 0],
    ];
    const poly = shadowPolygon(
      ring,
      10,
      { time: new Date(0), altitudeDeg: 45, azimuthDeg: 180 },
      0,
    );
    expect(Math.max(...poly.map((p) => p[1]))).toBeCloseTo(20, 9);
    const north = shadowPolygon(
      ring,
      10,
      { time: new Date(0), altitudeDeg: 45, azimuthDeg: 180 },
      60,
    );
    expect(Math.max(...north.map((p) => p[1]))).toBeCloseTo(30, 6);
  });

  it('blocks a ray that enters a footprint below the roof, not one that passes over it', () => {
    const wall = prism(
      [
        [10, -5],
        [12, -5],
        [12, 5],
        [10, 5],
        [10, -5],
      ],
      20,
    );
    expect(entryDistance(wall, 0, 0, 1, 0)).toBeCloseTo(10, 9);
    const index = new PrismIndex([wall]);
    // Sun due east (azimuth 90°): at 60° the ray is 17.3 m up after 10 m, below the 20 m roof.
    expect(index.blocks(0, 0, 0, 90, 60, 500)).toBe(true);
    // At 70° it is 27.5 m up by then: over the roof.
    expect(index.blocks(0, 0, 0, 90, 70, 500)).toBe(false);
    // Sun due west: the wall is behind the point.
    expect(index.blocks(0, 0, 0, 270, 10, 500)).toBe(false);
  });
});

/** A square footprint (EPSG:3857 metres near 52° N) centred at (cx, cy), side s. */
const R = 6_378_137;
const Y0 = R * Math.log(Math.tan(Math.PI / 4 + (52.09 * Math.PI) / 360));
const X0 = (5.12 * Math.PI * R) / 180;
const K = 1 / Math.cos((52.09 * Math.PI) / 180); // mercator units per ground metre
function square(cx: number, cy: number, s: number): [number, number][] {
  const h = (s / 2) * K;
  const [x, y] = [X0 + cx * K, Y0 + cy * K];
  return [
    [x - h, y - h],
    [x + h, y - h],
    [x + h, y + h],
    [x - h, y + h],
    [x - h, y - h],
  ];
}
const geojson = (ring: [number, number][]) =>
  JSON.stringify({ type: 'Polygon', coordinates: [ring] });
const days = [
  { label: '21 March', date: new Date(Date.UTC(2026, 2, 21)) },
  { label: '21 December', date: new Date(Date.UTC(2026, 11, 21)) },
];
const source = (ring: [number, number][], heightM: number): HeightChange => ({
  editId: '1',
  buildingId: null,
  rings: [ring],
  heightM,
  baseHeightM: 0,
});

describe('shadow study: new shade only', () => {
  it('takes sun from the north neighbour of a new tower', () => {
    const neighbour = { id: 'n', name: null, height: 10, geojson: geojson(square(0, 60, 20)) };
    const r = shadowStudy({
      sources: [source(square(0, 0, 30), 60)],
      removed: new Set(),
      changed: new Set(),
      context: { buildings: [neighbour], parks: [] },
      days,
    });
    expect(r.neighbours).toHaveLength(1);
    expect(r.neighbours[0]!.building_id).toBe('n');
    expect(r.neighbours[0]!.hours_lost['21 December']).toBeGreaterThan(1);
    expect(r.days.map((d) => d.step_minutes)).toEqual([10, 10]);
  });

  it('adds no shade when the proposal stands inside an existing building’s shadow', () => {
    // A courtyard 20 m across inside a 100 m ring of walls: at 52° N the sun never clears them
    // (38° at most on 21 March → 128 m of shadow), so the courtyard's façades and ground have
    // no sun to lose to a 9 m building put there.
    const ring = (cx: number, cy: number, w: number, d: number) => {
      const [hx, hy] = [(w / 2) * K, (d / 2) * K];
      const [x, y] = [X0 + cx * K, Y0 + cy * K];
      return [
        [x - hx, y - hy],
        [x + hx, y - hy],
        [x + hx, y + hy],
        [x - hx, y + hy],
        [x - hx, y - hy],
      ] as [number, number][];
    };
    const walls = [
      { id: 'south', name: null, height: 100, geojson: geojson(ring(0, -25, 70, 30)) },
      { id: 'north', name: null, height: 100, geojson: geojson(ring(0, 25, 70, 30)) },
      { id: 'west', name: null, height: 100, geojson: geojson(ring(-25, 0, 30, 20)) },
      { id: 'east', name: null, height: 100, geojson: geojson(ring(25, 0, 30, 20)) },
    ];
    const court = { id: 'court', name: 'Courtyard', geojson: geojson(ring(0, 0, 20, 20)) };
    const r = shadowStudy({
      sources: [source(square(0, 0, 6), 9)],
      removed: new Set(),
      changed: new Set(),
      context: { buildings: walls, parks: [court] },
      days,
    });
    expect(r.neighbours).toEqual([]);
    expect(r.parks).toEqual([]);
    // The same building in the open does cast new shade on the north wall.
    const open = shadowStudy({
      sources: [source(square(0, 0, 6), 9)],
      removed: new Set(),
      changed: new Set(),
      context: { buildings: [walls[1]!], parks: [] },
      days,
    });
    expect(open.neighbours.map((n) => n.building_id)).toEqual(['north']);
  });

  it('reports a park’s share with two hours of sun on 21 March before and after (BRE 209)', () => {
    // A 40 m × 40 m park between two existing 60 m blocks east and west of it (no morning or
    // evening sun), sunlit around noon from the south — until an 80 m slab goes up south of it.
    const park = { id: 'p', name: 'Pocket Park', geojson: geojson(square(0, 45, 40)) };
    const flank = (cx: number) => ({
      id: `flank${cx}`,
      name: null,
      height: 60,
      geojson: geojson(square(cx, 45, 40)),
    });
    const slab: [number, number][] = (() => {
      const [hx, hy] = [30 * K, 5 * K];
      return [
        [X0 - hx, Y0 - hy],
        [X0 + hx, Y0 - hy],
        [X0 + hx, Y0 + hy],
        [X0 - hx, Y0 + hy],
        [X0 - hx, Y0 - hy],
      ];
    })();
    const r = shadowStudy({
      sources: [source(slab, 80)],
      removed: new Set(),
      changed: new Set(),
      context: { buildings: [flank(-40), flank(40)], parks: [park] },
      days,
    });
    expect(r.parks).toHaveLength(1);
    const p = r.parks[0]!;
    expect(p.sunlit_2h_share_before).toBe(1);
    expect(p.sunlit_2h_share_after).toBeLessThan(0.5);
    expect(p.passes_bre).toBe(false);
  });
});
