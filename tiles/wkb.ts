/**
 * A reader for the subset of (E)WKB that tile queries return: 2D Point, LineString, Polygon,
 * their Multi* forms and GeometryCollection. Z/M ordinates and an EWKB SRID are skipped.
 */
export type Position = [number, number];
export type Ring = Position[];

/** Geometry flattened by dimension, as a tile feature needs it. */
export interface FlatGeometry {
  points: Position[];
  lines: Position[][];
  /** Each polygon is [exterior, ...holes]. */
  polygons: Ring[][];
}

export function readWkb(bytes: Uint8Array): FlatGeometry {
  const out: FlatGeometry = { points: [], lines: [], polygons: [] };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;

  const readGeometry = (): void => {
    const little = view.getUint8(offset) === 1;
    offset += 1;
    const rawType = view.getUint32(offset, little);
    offset += 4;
    // EWKB flags (PostGIS), then ISO WKB thousands for Z/M.
    const hasZ = (rawType & 0x80000000) !== 0;
    const hasM = (rawType & 0x40000000) !== 0;
    const hasSrid = (rawType & 0x20000000) !== 0;
    let type = rawType & 0x0fffffff;
    let dims = 2 + (hasZ ? 1 : 0) + (hasM ? 1 : 0);
    if (type >= 1000) {
      const iso = Math.floor(type / 1000);
      type %= 1000;
      dims = iso === 3 ? 4 : 3;
    }
    if (hasSrid) offset += 4;

    const u32 = (): number => {
      const v = view.getUint32(offset, little);
      offset += 4;
      return v;
    };
    const position = (): Position => {
      const x = view.getFloat64(offset, little);
      const y = view.getFloat64(offset + 8, little);
      offset += 8 * dims;
      return [x, y];
    };
    const positions = (): Position[] => {
      const n = u32();
      const ps: Position[] = new Array(n);
      for (let i = 0; i < n; i++) ps[i] = position();
      return ps;
    };
    const polygon = (): Ring[] => {
      const n = u32();
      const rings: Ring[] = [];
      for (let i = 0; i < n; i++) rings.push(positions());
      return rings;
    };

    switch (type) {
      case 1: {
        const p = position();
        if (!Number.isNaN(p[0])) out.points.push(p); // POINT EMPTY is NaN NaN
        return;
      }
      case 2:
        out.lines.push(positions());
        return;
      case 3:
        out.polygons.push(polygon());
        return;
      case 4:
      case 5:
      case 6:
      case 7: {
        const n = u32();
        for (let i = 0; i < n; i++) readGeometry();
        return;
      }
      default:
        throw new Error(`unsupported WKB geometry type ${type}`);
    }
  };

  readGeometry();
  return out;
}
