import { describe, expect, it } from 'vitest';
import { crsFromName, WGS84 } from './crs';
import { checkGeometry, mercatorPolygonHex } from './geometry';

const ring = (x: number, y: number) => [
  [x, y],
  [x + 1, y],
  [x + 1, y + 1],
  [x, y + 1],
  [x, y],
];

describe('coordinate checks before staging', () => {
  it('writes valid geometry as EWKT in WGS84 with its bounding box', () => {
    const c = checkGeometry({ type: 'Polygon', coordinates: [ring(5, 52)] }, WGS84, 'ewkt');
    expect(c).toEqual({
      ok: true,
      kind: 'polygon',
      bbox: [5, 52, 6, 53],
      geom: 'SRID=4326;POLYGON((5 52,6 52,6 53,5 53,5 52))',
      simple: true,
      ring: { xs: [5, 6, 6, 5, 5], ys: [52, 52, 53, 53, 52] },
    });
  });

  it('writes a simple ring as an EPSG:3857 one-polygon MULTIPOLYGON in hex EWKB', () => {
    const hex = mercatorPolygonHex([0, 180, 0], [0, 0, 85.05112878]);
    const b = Buffer.from(hex, 'hex');
    expect(b.length).toBe(26 + 3 * 16);
    expect([b[0], b.readUInt32LE(1), b.readUInt32LE(5), b.readUInt32LE(9)]).toEqual([
      1,
      (6 | 0x20000000) >>> 0,
      3857,
      1,
    ]);
    expect([b[13], b.readUInt32LE(14), b.readUInt32LE(18), b.readUInt32LE(22)]).toEqual([
      1, 3, 1, 3,
    ]);
    // The edges of the web mercator square: x = πR at 180°, y = πR at 85.0511°.
    expect(b.readDoubleLE(26 + 16)).toBeCloseTo(20037508.342789244, 6);
    expect(b.readDoubleLE(26 + 40)).toBeCloseTo(20037508.342789244, 0);
  });

  it('keeps a polygon with a hole', () => {
    const c = checkGeometry(
      {
        type: 'Polygon',
        coordinates: [ring(0, 0).map(([x, y]) => [x! * 10, y! * 10]), ring(2, 2)],
      },
      WGS84,
      'ewkt',
    );
    expect(c.ok && c.geom).toBe(
      'SRID=4326;POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,3 2,3 3,2 3,2 2))',
    );
  });

  it('stages hex EWKB by default: SRID 4326 on the outer geometry, members without', () => {
    const le = (n: number) => Buffer.from(Uint32Array.of(n).buffer).toString('hex');
    const pt = (x: number, y: number) => Buffer.from(Float64Array.of(x, y).buffer).toString('hex');
    const point = checkGeometry({ type: 'Point', coordinates: [5, 52] }, WGS84);
    expect(point.ok && point.geom).toBe(`01${le(0x20000001)}${le(4326)}${pt(5, 52)}`);
    const multi = checkGeometry({ type: 'MultiPolygon', coordinates: [[ring(5, 52)]] }, WGS84);
    const polygon = `01${le(3)}${le(1)}${le(5)}${ring(5, 52)
      .map(([x, y]) => pt(x!, y!))
      .join('')}`;
    expect(multi.ok && multi.geom).toBe(`01${le(0x20000006)}${le(4326)}${le(1)}${polygon}`);
    const gc = checkGeometry(
      {
        type: 'GeometryCollection',
        geometries: [
          {
            type: 'LineString',
            coordinates: [
              [1, 2],
              [3, 4],
            ],
          },
        ],
      },
      WGS84,
    );
    expect(gc.ok && gc.geom).toBe(
      `01${le(0x20000007)}${le(4326)}${le(1)}01${le(2)}${le(2)}${pt(1, 2)}${pt(3, 4)}`,
    );
  });

  it('rejects NaN, infinite and out-of-range coordinates with reasons', () => {
    const reason = (coordinates: unknown) => {
      const c = checkGeometry({ type: 'Point', coordinates } as never, WGS84);
      return c.ok ? 'ok' : c.reason;
    };
    expect(reason([NaN, 1])).toMatch(/not a finite number/);
    expect(reason([Infinity, 1])).toMatch(/not a finite number/);
    expect(reason([null, 1])).toMatch(/not a finite number/);
    expect(reason([1e308, 1])).toMatch(/longitude 1e\+308 is out of range/);
    expect(reason([5, 95])).toMatch(/latitude 95 is out of range/);
    expect(reason([5, 88])).toMatch(/web mercator/);
    expect(reason([5])).toMatch(/two numbers/);
  });

  it('rejects unclosed and too-short rings and one-point lines', () => {
    const open = checkGeometry({ type: 'Polygon', coordinates: [ring(5, 52).slice(0, 4)] }, WGS84);
    expect(open.ok ? '' : open.reason).toMatch(/not closed/);
    const short = checkGeometry(
      {
        type: 'Polygon',
        coordinates: [
          [
            [5, 52],
            [6, 52],
            [5, 52],
          ],
        ],
      },
      WGS84,
    );
    expect(short.ok ? '' : short.reason).toMatch(/at least 4/);
    const line = checkGeometry({ type: 'LineString', coordinates: [[5, 52]] }, WGS84);
    expect(line.ok ? '' : line.reason).toMatch(/at least 2/);
  });

  it('reprojects before checking, so projected metres are not mistaken for degrees', () => {
    const c = checkGeometry(
      { type: 'Point', coordinates: [155000, 463000] },
      crsFromName('EPSG:28992'),
    );
    expect(c.ok).toBe(true);
    const wrong = checkGeometry({ type: 'Point', coordinates: [155000, 463000] }, WGS84);
    expect(wrong).toMatchObject({ ok: false, outOfRange: true });
  });
});
