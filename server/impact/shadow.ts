import { getSolarPosition } from 'sunrise-sunset-js';

/**
 * Sun positions by the NREL Solar Position Algorithm (Reda & Andreas, Solar Energy 76(5), 2004;
 * ±0.0003° from −2000 to 6000) as implemented by sunrise-sunset-js, and building shadows on flat
 * ground. Angles in degrees; azimuth clockwise from north; elevation topocentric, with refraction.
 */
export interface SunPosition {
  time: Date;
  /** Degrees above the horizon. */
  altitudeDeg: number;
  /** Degrees clockwise from north. */
  azimuthDeg: number;
}

export interface SpaSite {
  /** Metres above sea level. */
  elevationM?: number;
  /** Annual mean pressure, mbar, and temperature, °C (for refraction). */
  pressureMbar?: number;
  temperatureC?: number;
  /** TT − UT, seconds. */
  deltaT?: number;
}

/** The sun at `time` seen from (lon, lat), by SPA. */
export function sunPosition(time: Date, lon: number, lat: number, site: SpaSite = {}): SunPosition {
  const p = getSolarPosition(lat, lon, time, {
    elevation: site.elevationM ?? 0,
    pressure: site.pressureMbar ?? 1013,
    temperature: site.temperatureC ?? 12,
    deltaT: site.deltaT ?? 69,
  });
  if (!p) throw new Error(`no sun position for ${time.toISOString()} at ${lon}, ${lat}`);
  return { time, altitudeDeg: p.elevation, azimuthDeg: p.azimuth };
}

/** Minutes between two sun positions of a study (≤ 10, as the issue asks). */
export const STEP_MINUTES = 10;

export interface StudyDay {
  label: string;
  /** The calendar date (UTC midnight of it). */
  date: Date;
}

/** The study days of BRE 209: 21 March (the two-hour test) and 21 December, of `year`. */
export function defaultShadowDays(year: number): StudyDay[] {
  return [
    { label: '21 March', date: new Date(Date.UTC(year, 2, 21)) },
    { label: '21 December', date: new Date(Date.UTC(year, 11, 21)) },
  ];
}

/**
 * The sun every `stepMinutes` over the local solar day of `day` at (lon, lat) while it is above
 * the horizon; each position stands for `stepMinutes` of sunshine.
 */
export function daySunPositions(
  day: Date,
  lon: number,
  lat: number,
  stepMinutes = STEP_MINUTES,
): SunPosition[] {
  // Local solar midnight ≈ UTC midnight − lon/15 h; the day runs 24 h from there, positions at
  // the middle of each step.
  const start = day.getTime() - (lon / 15) * 3_600_000;
  const out: SunPosition[] = [];
  const step = stepMinutes * 60_000;
  for (let t = start + step / 2; t < start + 86_400_000; t += step) {
    const p = sunPosition(new Date(t), lon, lat);
    if (p.altitudeDeg > 0) out.push(p);
  }
  return out;
}

/** Shadow length on flat ground, metres: height ÷ tan(altitude). */
export function shadowLength(heightM: number, altitudeDeg: number): number {
  return heightM / Math.tan((altitudeDeg * Math.PI) / 180);
}

/** The ground offset of a roof point's shadow, metres east and north (away from the sun). */
export function shadowOffset(
  heightM: number,
  sun: Pick<SunPosition, 'altitudeDeg' | 'azimuthDeg'>,
): [number, number] {
  const len = shadowLength(heightM, sun.altitudeDeg);
  const az = (sun.azimuthDeg * Math.PI) / 180;
  return [-len * Math.sin(az), -len * Math.cos(az)];
}

type Point = [number, number];

/**
 * The shadow a prism casts on flat ground: the convex hull of its footprint and the footprint
 * moved by the shadow offset. `ring` is in EPSG:3857 at latitude `latDeg`, where one ground
 * metre spans 1 / cos(lat) mercator units. Exact for convex footprints, a slight over-estimate
 * for concave ones; used for the map layer (the figures come from ray casting, shadow-rays.ts).
 */
export function shadowPolygon(
  ring: readonly Point[],
  heightM: number,
  sun: SunPosition,
  latDeg: number,
): Point[] {
  const scale = 1 / Math.cos((latDeg * Math.PI) / 180);
  const [dx, dy] = shadowOffset(heightM, sun);
  const pts: Point[] = [];
  for (const [x, y] of ring) {
    pts.push([x, y], [x + dx * scale, y + dy * scale]);
  }
  return convexHull(pts);
}

/** Andrew's monotone chain; a closed counter-clockwise ring. */
export function convexHull(points: readonly Point[]): Point[] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return [...p, ...p.slice(0, 1)];
  const cross = (o: Point, a: Point, b: Point) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0)
      lower.pop();
    lower.push(q);
  }
  const upper: Point[] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0)
      upper.pop();
    upper.push(q);
  }
  const hull = [...lower.slice(0, -1), ...upper.slice(0, -1)];
  return [...hull, hull[0]!];
}
