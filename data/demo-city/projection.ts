import type { Position } from './geometry';

/** WGS 84 / Pseudo-Mercator sphere radius (EPSG:3857), metres. */
const EARTH_RADIUS = 6378137;

/** Rounds to 0.01 m: plenty for a city model and keeps the seeding JSON small. */
export const round2 = (value: number): number => Math.round(value * 100) / 100;

/** Projects lon/lat degrees to EPSG:3857 metres. */
export function lonLatToMercator([lon, lat]: readonly [number, number]): Position {
  const phi = (lat * Math.PI) / 180;
  return [
    (EARTH_RADIUS * lon * Math.PI) / 180,
    EARTH_RADIUS * Math.log(Math.tan(Math.PI / 4 + phi / 2)),
  ];
}

/** Inverse of {@link lonLatToMercator}. */
export function mercatorToLonLat([x, y]: readonly [number, number]): Position {
  return [
    (x / EARTH_RADIUS) * (180 / Math.PI),
    (2 * Math.atan(Math.exp(y / EARTH_RADIUS)) - Math.PI / 2) * (180 / Math.PI),
  ];
}

/**
 * Maps the generator's street-grid frame (metres on the ground, origin at the city centre, the
 * grid turned by `rotation` radians) to EPSG:3857. Around the centre, one ground metre is
 * 1/cos(lat0) mercator metres; the error of using one scale across 8 km is under 0.1 %.
 */
export function createProjector(center: readonly [number, number], rotation: number): Projector {
  const [x0, y0] = lonLatToMercator(center);
  const k = 1 / Math.cos((center[1] * Math.PI) / 180);
  const cos = Math.cos(rotation);
  const sin = Math.sin(rotation);
  const project = ([u, v]: Position): Position => [
    round2(x0 + (u * cos - v * sin) * k),
    round2(y0 + (u * sin + v * cos) * k),
  ];
  return Object.assign(project, { scale: k });
}

/** Grid frame → EPSG:3857 (rounded to 0.01 m); `scale` is mercator metres per ground metre. */
export type Projector = ((p: Position) => Position) & { readonly scale: number };
