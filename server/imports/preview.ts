import type { Feature, Geometry, Position } from 'geojson';
import {
  crsFromName,
  crsFromWkt,
  useSpatialRefSys,
  WGS84,
  type SourceCrs,
  type SpatialRefSys,
} from './crs';
import { isBatch, noCrsMessage } from './parse';
import { detectFormat, READERS, WGS84_BY_DEFAULT, type Format } from './formats';
import { checkGeometry } from './geometry';
import { FileError, type ImportLimits } from './source';
import { valueType, widen, type ColumnType } from './targets/custom';

export interface PreviewOptions {
  path: string;
  name: string;
  format?: Format;
  srs?: string;
  limits: ImportLimits;
  tmpDir: string;
  /** Features to return (the first ones in the file). */
  limit: number;
  lod?: string;
  buildingParts?: 'merge' | 'keep';
  spatialRefSys?: SpatialRefSys;
}

export interface FilePreview {
  format: Format;
  crs: string;
  /** The first features, reprojected to WGS84, for a map preview; rejected ones carry `_problem`. */
  features: Feature[];
  /**
   * Every property seen in them, with up to five distinct sample values and the column type a
   * custom layer would give it from these features' values (int, float, boolean, date,
   * datetime, string).
   */
  fields: { name: string; type: ColumnType; samples: (string | number | boolean)[] }[];
}

function toWgs84(g: Geometry, crs: SourceCrs): Geometry {
  if (crs.geographic) return g;
  const map = (c: unknown): unknown =>
    Array.isArray(c) && typeof c[0] === 'number'
      ? crs.toWgs84(c[0], c[1] as number)
      : (c as unknown[]).map(map);
  if (g.type === 'GeometryCollection')
    return { ...g, geometries: g.geometries.map((x) => toWgs84(x, crs)) };
  return { ...g, coordinates: map(g.coordinates) as Position[] } as Geometry;
}

/**
 * The first features of a file, for the import page: what the file holds, in which CRS, what
 * its fields look like, and where it lies. Reads no further than it must.
 */
export async function previewFile(o: PreviewOptions): Promise<FilePreview> {
  const format = o.format ?? detectFormat(o.path, o.name);
  let crs: SourceCrs | null = o.srs ? crsFromName(o.srs) : null;
  const features: Feature[] = [];
  const fields = new Map<string, Set<string | number | boolean>>();
  const types = new Map<string, ColumnType>();
  if (o.spatialRefSys) useSpatialRefSys(o.spatialRefSys);
  const ctx = {
    progress: { bytes: 0, total: 0 },
    limits: o.limits,
    tmpDir: o.tmpDir,
    cityModel: { lod: o.lod, buildingParts: o.buildingParts },
  };
  const reader = READERS[format](o.path, ctx);
  try {
    reading: for await (const got of reader) {
      for (const item of isBatch(got) ? got : [got]) {
        if (item.type === 'crs') {
          if (!o.srs && features.length === 0)
            crs = item.name ? crsFromName(item.name) : crsFromWkt(item.wkt ?? '');
          continue;
        }
        if (!crs) {
          if (!WGS84_BY_DEFAULT.has(format)) throw new FileError(noCrsMessage(format));
          crs = WGS84;
        }
        for (const [k, v] of Object.entries(item.properties)) {
          const set = fields.get(k) ?? new Set();
          if (
            (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') &&
            set.size < 5
          )
            set.add(typeof v === 'string' ? v.slice(0, 80) : v);
          fields.set(k, set);
          const t = valueType(v);
          if (t) types.set(k, widen(types.get(k), t));
        }
        const checked = item.problem
          ? { ok: false as const, reason: item.problem }
          : checkGeometry(item.geometry, crs);
        features.push({
          type: 'Feature',
          geometry:
            checked.ok && item.geometry
              ? toWgs84(item.geometry, crs)
              : (null as unknown as Geometry),
          properties: checked.ok
            ? item.properties
            : { ...item.properties, _problem: checked.reason },
        });
        if (features.length >= o.limit) break reading;
      }
    }
  } catch (error) {
    // A preview may be sent only the head of a big file: what was read before the cut stands.
    if (!(error instanceof FileError && /truncated/.test(error.message) && features.length > 0))
      throw error;
  } finally {
    await reader.return(undefined);
  }
  return {
    format,
    crs: crs?.label ?? 'EPSG:4326',
    features,
    fields: [...fields]
      .slice(0, 200)
      .map(([name, s]) => ({ name, type: types.get(name) ?? 'string', samples: [...s] })),
  };
}
