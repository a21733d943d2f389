import { getPosition, getTimes } from 'suncalc';

/**
 * Sun positions and building shadows. suncalc 2 answers in degrees with azimuth clockwise from
 * north (its own typings; the older @types/suncalc describe v1's radians-from-south).
 */
export interface SunPosition {
  time: Date;
  /** Degrees above the horizon. */
  altitudeDeg: number;
  /** Degrees clockwise from north. */
  azimuthDeg: number;
}

/** Below this altitude shadows run for kilometres; such hours are left out. */
export const MIN_ALTITUDE_DEG = 2;

/** The default days: the March equinox and the December (winter) solstice of `year`. */
export function defaultShadowDays(year: number): { label: string; date: Date }[] {
  return [
    { label: 'equinox', date: new Date(Date.UTC(year, 2, 20, 12)) },
    { label: 'winter_solstice', date: new Date(Date.UTC(year, 11, 21, 12)) },
  ];
}

/** The sun at each whole UTC hour between sunrise and sunset of `day` at (lon, lat). */
export function hourlySunPositions(day: Date, lon: number, lat: number): SunPosition[] {
  const times = getTimes(day, lat, lon);
  const rise = times.sunrise;
  const set = times.sunset;
  if (!rise || !set) return [];
  const out: SunPosition[] = [];
  const hour = 3_600_000;
  for (let t = Math.ceil(rise.getTime() / hour) * hour; t <= set.getTime(); t += hour) {
    const time = new Date(t);
    const p = getPosition(time, lat, lon);
    if (p.altitude >= MIN_ALTITUDE_DEG) out.push({ time, altitudeDeg: p.altitude, azimuthDeg: p.azimuth });
  }
  return out;
}

/** Shadow length on flat ground, metres: height ÷ tan(altitude). */
export function shadowLength(heightM: number, altitudeDeg: number): number {
  return heightM / Math.tan((altitudeDeg * Math.PI) / 180);
}

/** The ground offset of a roof point's shadow, metres east and north (away from the sun). */
export function shadowOffset(heightM: number, sun: Pick<SunPosition, 'altitudeDeg' | 'azimuthDeg'>): [number, number] {
  const len = shadowLength(heightM, sun.altitudeDeg);
  const az = (sun.azimuthDeg * Math.PI) / 180;
  return [-len * Math.sin(az), -len * Math.cos(az)];
}

type Point = [number, number];

/**
 * The shadow a prism casts on flat ground: the convex hull of its footprint and the footprint
 * moved by the shadow offset. `ring` is in EPSG:3857 metres at latitude `latDeg`, where one
 * ground metre spans 1 / cos(lat) mercator units. Exact for convex footprints, a slight
 * over-estimate for concave ones.
 */
export function shadowPolygon(ring: readonly Point[], heightM: number, sun: SunPosition, latDeg: number): Point[] {
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
  const cross = (o: Point, a: Point, b: Point) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: Point[] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: Point[] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0) upper.pop();
    upper.push(q);
  }
  const hull = [...lower.slice(0, -1), ...upper.slice(0, -1)];
  return [...hull, hull[0]!];
}

/** WKT of a closed ring, for binding as a parameter (never concatenated into SQL). */
export function ringWkt(ring: readonly Point[]): string {
  return `POLYGON((${ring.map(([x, y]) => `${x} ${y}`).join(',')}))`;
}
