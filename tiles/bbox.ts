import { twinError } from '../common/twin-error';

/**
 * Web mercator's latitude limit, degrees: where EPSG:3857 is square (atan(sinh(π))). Beyond it
 * a latitude has no mercator y; every bbox projected to 3857 is clamped to it first.
 */
export const MERCATOR_MAX_LAT = 85.0511287798066;

/** WGS84 [west, south, east, north], degrees. */
export type LonLatBbox = [number, number, number, number];

/** The smallest bbox holding both; either may be absent (null). */
export function unionBbox(a: LonLatBbox | null, b: LonLatBbox | null): LonLatBbox | null {
  if (!a) return b;
  if (!b) return a;
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

/** A `bbox` parameter that is not one (400). */
export class BboxError extends twinError('BboxError', 400, 'bad_request') {}

/**
 * The comma-separated numbers of a `bbox` parameter, if there are `counts` of them (4 by
 * default) and each is a finite decimal number; else BboxError. Blanks are not zeros.
 */
export function bboxNumbers(raw: string | undefined, counts: readonly number[] = [4]): number[] {
  const v = (raw ?? '').split(',').map((s) => (s.trim() === '' ? NaN : Number(s)));
  if (!counts.includes(v.length) || !v.every(Number.isFinite))
    throw new BboxError(
      counts.length === 1
        ? `bbox must be "west,south,east,north": ${counts[0]} comma-separated numbers, in degrees`
        : `bbox must be ${counts[0]} (or ${counts.slice(1).join(', ')}) comma-separated numbers`,
    );
  return v;
}

/** True when [lon, lat] lies in WGS84's range: longitudes in ±180°, latitudes in ±90°. */
export const inLonLatRange = (lon: number, lat: number): boolean =>
  Math.abs(lon) <= 180 && Math.abs(lat) <= 90;

/**
 * `bbox=west,south,east,north` in WGS84 degrees (the one parser of every route that takes one;
 * OGC's CRS-aware `bbox` checks its geographic values with the same range). Longitudes ±180°,
 * latitudes ±90°, west < east, south < north; else BboxError. Latitudes are not clamped here:
 * `clampToMercator` does that where the bbox is projected.
 */
export function parseBbox(raw: string | undefined): LonLatBbox {
  const [w, s, e, n] = bboxNumbers(raw) as LonLatBbox;
  if (!inLonLatRange(w, s) || !inLonLatRange(e, n))
    throw new BboxError('bbox: longitudes must lie in [-180, 180] and latitudes in [-90, 90]');
  if (!(w < e) || !(s < n))
    throw new BboxError('bbox: west,south,east,north with west < east and south < north');
  return [w, s, e, n];
}

/** A latitude within web mercator's limit. */
export const clampLatitude = (lat: number): number =>
  Math.max(-MERCATOR_MAX_LAT, Math.min(MERCATOR_MAX_LAT, lat));

/**
 * The bbox with its latitudes clamped to web mercator's limit, for projecting to EPSG:3857 (a
 * pitched map's bounds reach the horizon: clamped, not refused). A bbox wholly beyond the
 * limit holds nothing a map shows: BboxError.
 */
export function clampToMercator([w, s, e, n]: LonLatBbox): LonLatBbox {
  const south = clampLatitude(s);
  const north = clampLatitude(n);
  if (south >= north) throw new BboxError('bbox lies beyond the latitudes a map shows');
  return [w, south, e, north];
}
