import type { Geometry, Position } from 'geojson';
import type { SourceCrs } from './crs';

/**
 * Coordinate checks and reprojection in JavaScript, before anything reaches the database:
 * positions must be finite numbers, land within ±180° / ±90° once in WGS84 (and within web
 * mercator's ±85.0511°, since the twin stores EPSG:3857), rings must be closed with at least four
 * positions. Geometry that passes is written as EWKT (SRID 4326) for staging; topology (self
 * intersections, bow-ties) is checked and repaired by PostGIS afterwards.
 */

export const MERCATOR_MAX_LAT = 85.05112878;

export type Checked = { ok: true; ewkt: string; kind: GeometryKind; bbox: Bbox } | { ok: false; reason: string; outOfRange?: boolean };
export type GeometryKind = 'point' | 'line' | 'polygon' | 'collection';
export type Bbox = [number, number, number, number];

class Reject extends Error {
  constructor(
    message: string,
    readonly outOfRange = false,
  ) {
    super(message);
  }
}

export function checkGeometry(geometry: Geometry | null | undefined, crs: SourceCrs): Checked {
  if (!geometry) return { ok: false, reason: 'no geometry' };
  const bbox: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
  const pos = (p: unknown): string => {
    if (!Array.isArray(p) || p.length < 2) throw new Reject('a position is not an array of two numbers');
    const [x0, y0] = p as unknown[];
    if (typeof x0 !== 'number' || typeof y0 !== 'number' || !Number.isFinite(x0) || !Number.isFinite(y0)) {
      throw new Reject(`coordinate is not a finite number (${String(x0)}, ${String(y0)})`);
    }
    const [x, y] = crs.geographic ? [x0, y0] : crs.toWgs84(x0, y0);
    if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Reject(`coordinate (${x0}, ${y0}) cannot be reprojected from ${crs.label}`, true);
    if (Math.abs(y) > 90) throw new Reject(`latitude ${y} is out of range (±90)`, true);
    if (Math.abs(x) > 180) throw new Reject(`longitude ${x} is out of range (±180)`, true);
    if (Math.abs(y) > MERCATOR_MAX_LAT) throw new Reject(`latitude ${y} is beyond web mercator's ±85.0511° (the twin stores EPSG:3857)`, true);
    if (x < bbox[0]) bbox[0] = x;
    if (y < bbox[1]) bbox[1] = y;
    if (x > bbox[2]) bbox[2] = x;
    if (y > bbox[3]) bbox[3] = y;
    return `${x} ${y}`;
  };
  const line = (ps: unknown, min: number): string[] => {
    if (!Array.isArray(ps)) throw new Reject('coordinates are not an array');
    const out = ps.map(pos);
    if (out.length < min) throw new Reject(`a line has ${out.length} position(s); at least ${min} are needed`);
    return out;
  };
  const ring = (ps: unknown): string => {
    const out = line(ps, 0);
    if (out.length < 4) throw new Reject(`a polygon ring has ${out.length} position(s); at least 4 are needed`);
    const first = (ps as Position[])[0]!;
    const last = (ps as Position[])[out.length - 1]!;
    if (first[0] !== last[0] || first[1] !== last[1]) throw new Reject('a polygon ring is not closed (its first and last positions differ)');
    return `(${out.join(',')})`;
  };
  const polygon = (rings: unknown): string => {
    if (!Array.isArray(rings) || rings.length === 0) throw new Reject('a polygon has no rings');
    return `(${rings.map(ring).join(',')})`;
  };
  const body = (g: Geometry, depth: number): [string, GeometryKind] => {
    const c = (g as { coordinates?: unknown }).coordinates;
    switch (g.type) {
      case 'Point':
        return [`POINT(${pos(c)})`, 'point'];
      case 'MultiPoint':
        return [`MULTIPOINT(${asArray(c).map((p) => `(${pos(p)})`).join(',')})`, 'point'];
      case 'LineString':
        return [`LINESTRING(${line(c, 2).join(',')})`, 'line'];
      case 'MultiLineString':
        return [`MULTILINESTRING(${asArray(c).map((l) => `(${line(l, 2).join(',')})`).join(',')})`, 'line'];
      case 'Polygon':
        return [`POLYGON${polygon(c)}`, 'polygon'];
      case 'MultiPolygon':
        return [`MULTIPOLYGON(${asArray(c).map(polygon).join(',')})`, 'polygon'];
      case 'GeometryCollection':
        if (depth > 4) throw new Reject('geometry collections nested too deeply');
        return [`GEOMETRYCOLLECTION(${(g.geometries ?? []).map((m) => body(m, depth + 1)[0]).join(',')})`, 'collection'];
      default:
        throw new Reject(`unknown geometry type ${JSON.stringify((g as { type?: unknown }).type)}`);
    }
  };
  try {
    const [wkt, kind] = body(geometry, 0);
    if (!Number.isFinite(bbox[0])) return { ok: false, reason: 'empty geometry' };
    return { ok: true, ewkt: `SRID=4326;${wkt}`, kind, bbox };
  } catch (error) {
    if (error instanceof Reject) return { ok: false, reason: error.message, outOfRange: error.outOfRange };
    throw error;
  }
}

function asArray(c: unknown): unknown[] {
  if (!Array.isArray(c) || c.length === 0) throw new Reject('coordinates are empty or not an array');
  return c;
}

/** Positions of a checked line, in WGS84 (the network builder needs them as numbers). */
export function lineToWgs84(coords: Position[], crs: SourceCrs): Position[] {
  return crs.geographic ? coords : coords.map(([x, y]) => crs.toWgs84(x!, y!));
}
