import { twinError } from '../common/twin-error';

/** Half the EPSG:3857 world width, metres. */
export const WORLD_HALF = 20037508.342789244;
/** Deepest zoom any layer may declare; 2^22 tiles still fit a 32-bit integer. */
export const MAX_ZOOM = 22;

export interface TileCoord {
  z: number;
  x: number;
  y: number;
}

export interface TileBounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** A tile address that is not one (400). */
export class TileCoordError extends twinError('TileCoordError', 400, 'bad_request') {}

const INTEGER = /^(0|[1-9]\d{0,6})$/;

/**
 * Parses z/x/y from a URL. Only plain decimal integers are accepted (no signs, exponents,
 * leading zeros or whitespace) and 0 ≤ x, y < 2^z.
 */
export function parseTileCoord(z: string, x: string, y: string): TileCoord {
  for (const [name, value] of [
    ['z', z],
    ['x', x],
    ['y', y],
  ] as const) {
    if (!INTEGER.test(value)) throw new TileCoordError(`${name} must be a non-negative integer`);
  }
  const coord = { z: Number(z), x: Number(x), y: Number(y) };
  if (coord.z > MAX_ZOOM) throw new TileCoordError(`z must be at most ${MAX_ZOOM}`);
  const n = 2 ** coord.z;
  if (coord.x >= n || coord.y >= n) {
    throw new TileCoordError(`x and y must be below 2^z = ${n} at z=${coord.z}`);
  }
  return coord;
}

/** The tile's square in EPSG:3857, as ST_TileEnvelope computes it. */
export function tileBounds({ z, x, y }: TileCoord): TileBounds {
  const size = (2 * WORLD_HALF) / 2 ** z;
  return {
    minX: -WORLD_HALF + x * size,
    maxX: -WORLD_HALF + (x + 1) * size,
    maxY: WORLD_HALF - y * size,
    minY: WORLD_HALF - (y + 1) * size,
  };
}

/** Width of one tile in EPSG:3857 metres at zoom z. */
export const tileSpan = (z: number): number => (2 * WORLD_HALF) / 2 ** z;

/** The tile containing a WGS84 point at zoom z. */
export function lonLatToTile(lon: number, lat: number, z: number): TileCoord {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return { z, x: Math.min(n - 1, Math.max(0, x)), y: Math.min(n - 1, Math.max(0, y)) };
}

/** Web-mercator metres for a WGS84 position. */
export function lonLatToMercator(lon: number, lat: number): [number, number] {
  const x = (lon * WORLD_HALF) / 180;
  const y = Math.log(Math.tan(((90 + lat) * Math.PI) / 360)) * (WORLD_HALF / Math.PI);
  return [x, y];
}

/** WGS84 position for web-mercator metres. */
export function mercatorToLonLat(x: number, y: number): [number, number] {
  const lon = (x / WORLD_HALF) * 180;
  const lat = (Math.atan(Math.exp((y / WORLD_HALF) * Math.PI)) * 360) / Math.PI - 90;
  return [lon, lat];
}
