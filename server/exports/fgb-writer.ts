import type { Geometry } from 'geojson';
// The package root pulls OpenLayers; these modules are the GeoJSON-free building blocks.
import { magicbytes } from 'flatgeobuf/lib/mjs/constants.js';
import { buildFeature } from 'flatgeobuf/lib/mjs/generic/feature.js';
import { buildHeader } from 'flatgeobuf/lib/mjs/generic/featurecollection.js';
import { parseGC, parseGeometry } from 'flatgeobuf/lib/mjs/geojson/geometry.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import type { HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import type { ExportColumn } from './export-tables';

/**
 * FlatGeobuf written feature by feature (no spatial index): the header declares the columns with
 * their types from the twin's schema (flatgeobuf's own serializer guesses them from the first
 * feature, which turns a null into a string column), then each feature as the library builds it.
 */

const COLUMN_TYPES: Record<ExportColumn['type'], ColumnType> = {
  int: ColumnType.Long,
  float: ColumnType.Double,
  string: ColumnType.String,
  boolean: ColumnType.Bool,
};
const GEOMETRY_TYPES: Record<string, GeometryType> = {
  POINT: GeometryType.Point,
  LINESTRING: GeometryType.LineString,
  POLYGON: GeometryType.Polygon,
  MULTIPOINT: GeometryType.MultiPoint,
  MULTILINESTRING: GeometryType.MultiLineString,
  MULTIPOLYGON: GeometryType.MultiPolygon,
  GEOMETRY: GeometryType.Unknown,
};

export class FgbWriter {
  readonly #meta: HeaderMeta;

  constructor(geometryType: string, columns: ExportColumn[], featuresCount: number) {
    this.#meta = {
      geometryType: GEOMETRY_TYPES[geometryType] ?? GeometryType.Unknown,
      columns: columns.map((c) => ({
        name: c.name,
        type: COLUMN_TYPES[c.type],
        title: null,
        description: null,
        width: -1,
        precision: -1,
        scale: -1,
        nullable: true,
        unique: false,
        primary_key: c.name === 'id',
      })),
      envelope: null,
      featuresCount,
      indexNodeSize: 0,
      crs: null,
      title: null,
      description: null,
      metadata: null,
    };
  }

  /** Magic bytes and the header (CRS EPSG:4326). */
  header(): Uint8Array {
    const header = buildHeader(this.#meta, 4326);
    const out = new Uint8Array(magicbytes.length + header.length);
    out.set(magicbytes);
    out.set(header, magicbytes.length);
    return out;
  }

  feature(geometry: Geometry, properties: Record<string, unknown>): Uint8Array {
    const props: Record<string, unknown> = {};
    for (const c of this.#meta.columns ?? []) {
      const v = properties[c.name];
      const n = Number(v);
      props[c.name] =
        v === undefined || v === null
          ? null
          : c.type === ColumnType.Long
            ? Number.isFinite(n)
              ? BigInt(Math.trunc(n))
              : null
            : c.type === ColumnType.Double
              ? Number.isFinite(n)
                ? n
                : null
              : c.type === ColumnType.Bool
                ? Boolean(v)
                : typeof v === 'string'
                  ? v
                  : JSON.stringify(v);
    }
    const parsed =
      geometry.type === 'GeometryCollection' ? parseGC(geometry) : parseGeometry(geometry);
    return buildFeature(parsed, props as Record<string, never>, this.#meta);
  }
}
