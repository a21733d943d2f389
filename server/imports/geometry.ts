import type { Geometry, Position } from 'geojson';
import { orient2d } from 'robust-predicates';
import type { SourceCrs } from './crs';

/**
 * Coordinate checks and reprojection in JavaScript, before anything reaches the database:
 * positions must be finite numbers, land within ±180° / ±90° once in WGS84 (and within web
 * mercator's ±85.0511°, since the twin stores EPSG:3857), rings must be closed with at least four
 * positions. Geometry that passes is written as hex EWKB (SRID 4326; EWKT on request) for staging; topology (self
 * intersections, bow-ties) is checked and repaired by PostGIS afterwards, except for polygons
 * this module proves simple (`simple`: one shell, no holes, no edges touching; isSimpleRing).
 */

export const MERCATOR_MAX_LAT = 85.05112878;

export type Checked =
  | {
      ok: true;
      /** Hex EWKB (default) or EWKT, SRID 4326. */ geom: string;
      kind: GeometryKind;
      bbox: Bbox;
      /**
       * A polygon of one ring (Polygon, or MultiPolygon of one) that isSimpleRing proved valid
       * here, exactly as GEOS would find it: PostGIS need not check it again. False: not shown.
       */
      simple: boolean;
      /** With `simple`: the ring's positions in WGS84 (for {@link mercatorPolygonHex}). */
      ring?: { xs: number[]; ys: number[] };
    }
  | { ok: false; reason: string; outOfRange?: boolean };
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

/** Rings longer than this are left to PostGIS (the check is quadratic in the ring's edges). */
const SIMPLE_RING_MAX = 64;

/**
 * True when a closed ring (first position = last) is certainly a valid polygon shell: at least
 * three edges, no position repeated next to itself, no three consecutive positions on one line,
 * and no two edges meeting except consecutive ones at their shared end. Every test uses
 * robust-predicates' exact orientation, so a ring passed here is one GEOS (ST_IsValid) finds
 * valid too; anything doubtful (a touch, a collinear turn, a long ring) answers false, and
 * PostGIS decides. Building footprints are almost always such rings, which spares the import
 * an ST_IsValid per feature (docs/performance.md).
 */
export function isSimpleRing(xs: readonly number[], ys: readonly number[]): boolean {
  const m = xs.length - 1;
  if (m < 3 || m > SIMPLE_RING_MAX || xs[m] !== xs[0] || ys[m] !== ys[0]) return false;
  for (let i = 0; i < m; i++) {
    const j = i + 1;
    const k = (i + 2) % m;
    if (xs[i] === xs[j] && ys[i] === ys[j]) return false;
    if (orient2d(xs[i]!, ys[i]!, xs[j]!, ys[j]!, xs[k]!, ys[k]!) === 0) return false;
  }
  for (let i = 0; i < m - 2; i++) {
    const ax = xs[i]!,
      ay = ys[i]!,
      bx = xs[i + 1]!,
      by = ys[i + 1]!;
    // Edge 0 and edge m-1 share the closing position: adjacent, not checked as a pair.
    for (let j = i + 2; j < (i === 0 ? m - 1 : m); j++) {
      const cx = xs[j]!,
        cy = ys[j]!,
        dx = xs[j + 1]!,
        dy = ys[j + 1]!;
      if (
        Math.max(ax, bx) < Math.min(cx, dx) ||
        Math.max(cx, dx) < Math.min(ax, bx) ||
        Math.max(ay, by) < Math.min(cy, dy) ||
        Math.max(cy, dy) < Math.min(ay, by)
      )
        continue;
      const d1 = orient2d(cx, cy, dx, dy, ax, ay);
      const d2 = orient2d(cx, cy, dx, dy, bx, by);
      const d3 = orient2d(ax, ay, bx, by, cx, cy);
      const d4 = orient2d(ax, ay, bx, by, dx, dy);
      // A zero: an end on the other edge's line, maybe touching it. Otherwise they cross
      // exactly when each edge's ends lie on both sides of the other.
      if (d1 === 0 || d2 === 0 || d3 === 0 || d4 === 0) return false;
      if (d1 > 0 !== d2 > 0 && d3 > 0 !== d4 > 0) return false;
    }
  }
  return true;
}

/**
 * How staged geometry is written: hex EWKB (what COPY parses fastest; the default) or EWKT; or
 * not at all (`none`: checked only, `geom` is empty), for a ring that will go out as a direct row.
 */
export type StageGeometryFormat = 'ewkb' | 'ewkt' | 'none';

export function checkGeometry(
  geometry: Geometry | null | undefined,
  crs: SourceCrs,
  format: StageGeometryFormat = 'ewkb',
): Checked {
  if (!geometry) return { ok: false, reason: 'no geometry' };
  const w = new GeometryWalker(crs, format);
  try {
    const kind = w.geometry(geometry, 0, true);
    const bbox = w.bbox;
    if (!Number.isFinite(bbox[0])) return { ok: false, reason: 'empty geometry' };
    const simple = kind === 'polygon' && w.rings === 1 && isSimpleRing(w.xs, w.ys);
    return simple
      ? { ok: true, geom: w.output(), kind, bbox, simple, ring: { xs: w.xs, ys: w.ys } }
      : { ok: true, geom: w.output(), kind, bbox, simple };
  } catch (error) {
    if (error instanceof Reject)
      return { ok: false, reason: error.message, outOfRange: error.outOfRange };
    throw error;
  }
}

const WKT_NAMES = [
  '',
  'POINT',
  'LINESTRING',
  'POLYGON',
  'MULTIPOINT',
  'MULTILINESTRING',
  'MULTIPOLYGON',
  'GEOMETRYCOLLECTION',
];

/**
 * One walk of a geometry: checks and reprojects each position, keeps the bbox and the last
 * ring's positions, and writes hex EWKB (or EWKT) as it goes. Methods, not closures: the import
 * calls this once per feature, and a closure per call and level was a tenth of the parse.
 */
class GeometryWalker {
  readonly bbox: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
  /** The positions of the last ring, as staged (in WGS84), for the simplicity check. */
  readonly xs: number[] = [];
  readonly ys: number[] = [];
  rings = 0;
  readonly #crs: SourceCrs;
  readonly #wkb: WkbWriter | null;
  /** The EWKT being written; null unless the format is EWKT. */
  #wkt: string | null;

  constructor(crs: SourceCrs, format: StageGeometryFormat) {
    this.#crs = crs;
    this.#wkb = format === 'ewkb' ? new WkbWriter() : null;
    this.#wkt = format === 'ewkt' ? '' : null;
  }

  output(): string {
    if (this.#wkb) return this.#wkb.hex();
    return this.#wkt === null ? '' : `SRID=4326;${this.#wkt}`;
  }

  #text(s: string): void {
    if (this.#wkt !== null) this.#wkt += s;
  }

  /** A geometry's header: EWKB type (with the SRID at the top), or its WKT name. */
  #header(type: number, top: boolean, named: boolean): void {
    if (this.#wkb) this.#wkb.header(type, top);
    else if (named && this.#wkt !== null) this.#wkt += WKT_NAMES[type];
  }

  /** A count placeholder in EWKB; -1 in EWKT. */
  #count(): number {
    return this.#wkb ? this.#wkb.count() : -1;
  }

  #setCount(at: number, n: number): void {
    if (this.#wkb) this.#wkb.setCount(at, n);
  }

  geometry(g: Geometry, depth: number, top: boolean): GeometryKind {
    const c = (g as { coordinates?: unknown }).coordinates;
    switch (g.type) {
      case 'Point':
        this.#header(1, top, true);
        this.#text('(');
        this.#pos(c);
        this.#text(')');
        return 'point';
      case 'MultiPoint': {
        this.#header(4, top, true);
        const items = asArray(c);
        const at = this.#count();
        this.#text('(');
        for (let i = 0; i < items.length; i++) {
          if (i > 0) this.#text(',');
          this.#header(1, false, false);
          this.#text('(');
          this.#pos(items[i]);
          this.#text(')');
        }
        this.#text(')');
        this.#setCount(at, items.length);
        return 'point';
      }
      case 'LineString':
        this.#header(2, top, true);
        this.#text('(');
        this.#line(c, 2);
        this.#text(')');
        return 'line';
      case 'MultiLineString': {
        this.#header(5, top, true);
        const items = asArray(c);
        const at = this.#count();
        this.#text('(');
        for (let i = 0; i < items.length; i++) {
          if (i > 0) this.#text(',');
          this.#header(2, false, false);
          this.#text('(');
          this.#line(items[i], 2);
          this.#text(')');
        }
        this.#text(')');
        this.#setCount(at, items.length);
        return 'line';
      }
      case 'Polygon':
        this.#header(3, top, true);
        this.#polygon(c);
        return 'polygon';
      case 'MultiPolygon': {
        this.#header(6, top, true);
        const items = asArray(c);
        const at = this.#count();
        this.#text('(');
        for (let i = 0; i < items.length; i++) {
          if (i > 0) this.#text(',');
          this.#header(3, false, false);
          this.#polygon(items[i]);
        }
        this.#text(')');
        this.#setCount(at, items.length);
        return 'polygon';
      }
      case 'GeometryCollection': {
        if (depth > 4) throw new Reject('geometry collections nested too deeply');
        this.#header(7, top, true);
        const members = g.geometries ?? [];
        const at = this.#count();
        this.#text('(');
        for (let i = 0; i < members.length; i++) {
          if (i > 0) this.#text(',');
          this.geometry(members[i]!, depth + 1, false);
        }
        this.#text(')');
        this.#setCount(at, members.length);
        return 'collection';
      }
      default:
        throw new Reject(`unknown geometry type ${JSON.stringify((g as { type?: unknown }).type)}`);
    }
  }

  #polygon(rings: unknown): void {
    if (!Array.isArray(rings) || rings.length === 0) throw new Reject('a polygon has no rings');
    const at = this.#count();
    this.#text('(');
    for (let i = 0; i < rings.length; i++) {
      if (i > 0) this.#text(',');
      this.#ring(rings[i]);
    }
    this.#text(')');
    this.#setCount(at, rings.length);
  }

  #ring(ps: unknown): void {
    this.rings++;
    this.xs.length = 0;
    this.ys.length = 0;
    this.#text('(');
    const n = this.#line(ps, 0);
    this.#text(')');
    if (n < 4) throw new Reject(`a polygon ring has ${n} position(s); at least 4 are needed`);
    const first = (ps as Position[])[0]!;
    const last = (ps as Position[])[n - 1]!;
    if (first[0] !== last[0] || first[1] !== last[1])
      throw new Reject('a polygon ring is not closed (its first and last positions differ)');
  }

  /** The positions of a line or ring, with their count; at least `min` of them. */
  #line(ps: unknown, min: number): number {
    if (!Array.isArray(ps)) throw new Reject('coordinates are not an array');
    const at = this.#count();
    for (let i = 0; i < ps.length; i++) {
      if (i > 0) this.#text(',');
      this.#pos(ps[i]);
    }
    if (ps.length < min)
      throw new Reject(`a line has ${ps.length} position(s); at least ${min} are needed`);
    this.#setCount(at, ps.length);
    return ps.length;
  }

  #pos(p: unknown): void {
    if (!Array.isArray(p) || p.length < 2)
      throw new Reject('a position is not an array of two numbers');
    const x0 = p[0] as unknown,
      y0 = p[1] as unknown;
    if (
      typeof x0 !== 'number' ||
      typeof y0 !== 'number' ||
      !Number.isFinite(x0) ||
      !Number.isFinite(y0)
    ) {
      throw new Reject(`coordinate is not a finite number (${String(x0)}, ${String(y0)})`);
    }
    let x = x0,
      y = y0;
    if (!this.#crs.geographic) [x, y] = this.#crs.toWgs84(x0, y0) as [number, number];
    if (!Number.isFinite(x) || !Number.isFinite(y))
      throw new Reject(
        `coordinate (${x0}, ${y0}) cannot be reprojected from ${this.#crs.label}`,
        true,
      );
    if (Math.abs(y) > 90) throw new Reject(`latitude ${y} is out of range (±90)`, true);
    if (Math.abs(x) > 180) throw new Reject(`longitude ${x} is out of range (±180)`, true);
    if (Math.abs(y) > MERCATOR_MAX_LAT)
      throw new Reject(
        `latitude ${y} is beyond web mercator's ±85.0511° (the twin stores EPSG:3857)`,
        true,
      );
    this.xs.push(x);
    this.ys.push(y);
    const bbox = this.bbox;
    if (x < bbox[0]) bbox[0] = x;
    if (y < bbox[1]) bbox[1] = y;
    if (x > bbox[2]) bbox[2] = x;
    if (y > bbox[3]) bbox[3] = y;
    if (this.#wkb) this.#wkb.point(x, y);
    else if (this.#wkt !== null) this.#wkt += `${x} ${y}`;
  }
}

/**
 * Little-endian EWKB (SRID 4326 on the outermost geometry), written as the geometry is walked;
 * counts are written as placeholders and filled in once known. `hex()` is what COPY reads.
 */
class WkbWriter {
  #buf = Buffer.allocUnsafe(256);
  #len = 0;

  #room(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + n));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  header(type: number, withSrid: boolean): void {
    this.#room(9);
    this.#buf[this.#len++] = 1;
    this.#buf.writeUInt32LE(withSrid ? (type | 0x20000000) >>> 0 : type, this.#len);
    this.#len += 4;
    if (withSrid) {
      this.#buf.writeUInt32LE(4326, this.#len);
      this.#len += 4;
    }
  }

  /** Reserves a count; returns where to fill it in. */
  count(): number {
    this.#room(4);
    const at = this.#len;
    this.#len += 4;
    return at;
  }

  setCount(at: number, n: number): void {
    this.#buf.writeUInt32LE(n, at);
  }

  point(x: number, y: number): void {
    this.#room(16);
    this.#buf.writeDoubleLE(x, this.#len);
    this.#buf.writeDoubleLE(y, this.#len + 8);
    this.#len += 16;
  }

  hex(): string {
    return this.#buf.toString('hex', 0, this.#len);
  }
}

const EARTH_RADIUS_M = 6378137;
const RAD = Math.PI / 180;

/**
 * A ring of WGS84 positions as the hex EWKB of a one-polygon MULTIPOLYGON in EPSG:3857, what
 * `ST_Multi(ST_Transform(geom, 3857))` stores: for rows written straight into the layer's table.
 * Spherical mercator in the form PROJ computes it (x = λR, y = asinh(tan φ)·R): equal to PostGIS's
 * result in x and, for 96 % of latitudes, in y; otherwise within 4 nm (test/imports/direct-rows).
 */
export function mercatorPolygonHex(xs: readonly number[], ys: readonly number[]): string {
  const n = xs.length;
  const buf = Buffer.allocUnsafe(26 + 16 * n);
  buf[0] = 1;
  buf.writeUInt32LE((6 | 0x20000000) >>> 0, 1);
  buf.writeUInt32LE(3857, 5);
  buf.writeUInt32LE(1, 9);
  buf[13] = 1;
  buf.writeUInt32LE(3, 14);
  buf.writeUInt32LE(1, 18);
  buf.writeUInt32LE(n, 22);
  let at = 26;
  for (let i = 0; i < n; i++) {
    buf.writeDoubleLE(xs[i]! * RAD * EARTH_RADIUS_M, at);
    buf.writeDoubleLE(Math.asinh(Math.tan(ys[i]! * RAD)) * EARTH_RADIUS_M, at + 8);
    at += 16;
  }
  return buf.toString('hex');
}

function asArray(c: unknown): unknown[] {
  if (!Array.isArray(c) || c.length === 0)
    throw new Reject('coordinates are empty or not an array');
  return c;
}

/** Positions of a checked line, in WGS84 (the network builder needs them as numbers). */
export function lineToWgs84(coords: Position[], crs: SourceCrs): Position[] {
  return crs.geographic ? coords : coords.map(([x, y]) => crs.toWgs84(x!, y!));
}
