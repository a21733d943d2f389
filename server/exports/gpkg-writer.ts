import initSqlJs from 'sql.js';
import wkx from 'wkx';
import type { Geometry } from 'geojson';
import type { ExportColumn } from './export-tables';

/**
 * A GeoPackage 1.3 (OGC 12-128r18) written with sql.js: the required gpkg_spatial_ref_sys
 * (with EPSG:4326), gpkg_contents and gpkg_geometry_columns, and one feature table per layer
 * whose geometry blobs are the GeoPackage binary header (magic GP, version 0, little-endian, an
 * xy envelope, srs_id) followed by WKB. Everything is WGS84 longitude/latitude (EPSG:4326).
 */

const WGS84_WKT =
  'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]';
const SQL_TYPE: Record<ExportColumn['type'], string> = {
  int: 'INTEGER',
  float: 'REAL',
  string: 'TEXT',
  boolean: 'BOOLEAN',
};
const quote = (id: string) => `"${id.replaceAll('"', '""')}"`;

type SqlJs = Awaited<ReturnType<typeof initSqlJs>>;
let sqlJs: Promise<SqlJs> | undefined;

export interface GpkgLayer {
  name: string;
  geometryType: string;
  columns: ExportColumn[];
}

export interface GpkgFeature {
  geometry: Geometry | null;
  properties: Record<string, unknown>;
}

/** The GeoPackage binary geometry of a GeoJSON geometry (spec §2.1.3). */
export function gpkgGeometry(g: Geometry): Uint8Array {
  const wkb = wkx.Geometry.parseGeoJSON(g).toWkb();
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  const walk = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as number[];
      if (x! < minX) minX = x!;
      if (x! > maxX) maxX = x!;
      if (y! < minY) minY = y!;
      if (y! > maxY) maxY = y!;
    } else if (Array.isArray(c)) c.forEach(walk);
  };
  if (g.type === 'GeometryCollection')
    g.geometries.forEach((m) => walk((m as { coordinates?: unknown }).coordinates));
  else walk(g.coordinates);
  const head = Buffer.alloc(8 + 32);
  head.write('GP', 0, 'latin1');
  head[2] = 0; // version 1
  head[3] = 0b0000_0011; // little-endian, envelope [minx, maxx, miny, maxy]
  head.writeInt32LE(4326, 4);
  head.writeDoubleLE(minX, 8);
  head.writeDoubleLE(maxX, 16);
  head.writeDoubleLE(minY, 24);
  head.writeDoubleLE(maxY, 32);
  return Buffer.concat([head, wkb]);
}

/** Builds a GeoPackage in memory: `add` rows layer by layer, then `finish` returns the file. */
export class GpkgWriter {
  readonly #db: InstanceType<SqlJs['Database']>;
  readonly #layers = new Map<
    string,
    {
      layer: GpkgLayer;
      extent: [number, number, number, number];
      insert: ReturnType<InstanceType<SqlJs['Database']>['prepare']>;
    }
  >();

  private constructor(SQL: SqlJs) {
    this.#db = new SQL.Database();
    this.#db.run(`PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;
      CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
      CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
      CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));`);
    const srs = this.#db.prepare('INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)');
    srs.run([
      'Undefined cartesian SRS',
      -1,
      'NONE',
      -1,
      'undefined',
      'undefined cartesian coordinate reference system',
    ]);
    srs.run([
      'Undefined geographic SRS',
      0,
      'NONE',
      0,
      'undefined',
      'undefined geographic coordinate reference system',
    ]);
    srs.run([
      'WGS 84 geodetic',
      4326,
      'EPSG',
      4326,
      WGS84_WKT,
      'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid',
    ]);
    srs.free();
  }

  static async create(): Promise<GpkgWriter> {
    sqlJs ??= initSqlJs();
    return new GpkgWriter(await sqlJs);
  }

  /** Creates a feature table (names are allow-listed by the caller and quoted here). */
  layer(layer: GpkgLayer): void {
    // The twin's feature id becomes the GeoPackage fid (`id` is not repeated as a column).
    const cols = layer.columns.filter(
      (c) => c.name !== 'fid' && c.name !== 'geom' && c.name !== 'id',
    );
    this.#db.run(
      `CREATE TABLE ${quote(layer.name)} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom ${layer.geometryType}${cols.map((c) => `, ${quote(c.name)} ${SQL_TYPE[c.type]}`).join('')})`,
    );
    this.#db.run(
      `INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?, 'features', ?, 4326)`,
      [layer.name, layer.name],
    );
    this.#db.run(`INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, 4326, 0, 0)`, [
      layer.name,
      layer.geometryType,
    ]);
    const insert = this.#db.prepare(
      `INSERT INTO ${quote(layer.name)} (fid, geom${cols.map((c) => `, ${quote(c.name)}`).join('')}) VALUES (?, ?${cols.map(() => ', ?').join('')})`,
    );
    this.#layers.set(layer.name, {
      layer: { ...layer, columns: cols },
      extent: [Infinity, Infinity, -Infinity, -Infinity],
      insert,
    });
  }

  add(name: string, features: GpkgFeature[]): void {
    const l = this.#layers.get(name);
    if (!l) throw new Error(`no GeoPackage layer ${name}`);
    this.#db.run('BEGIN');
    for (const f of features) {
      const blob = f.geometry ? gpkgGeometry(f.geometry) : null;
      if (blob) {
        const v = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
        l.extent = [
          Math.min(l.extent[0], v.readDoubleLE(8)),
          Math.min(l.extent[1], v.readDoubleLE(24)),
          Math.max(l.extent[2], v.readDoubleLE(16)),
          Math.max(l.extent[3], v.readDoubleLE(32)),
        ];
      }
      const id = f.properties.id;
      const fid = typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : null;
      l.insert.run([
        fid,
        blob,
        ...l.layer.columns.map((c) => sqlValue(f.properties[c.name], c.type)),
      ]);
    }
    this.#db.run('COMMIT');
  }

  /** The finished file (extents recorded in gpkg_contents). */
  finish(): Uint8Array {
    for (const [name, l] of this.#layers) {
      l.insert.free();
      if (Number.isFinite(l.extent[0])) {
        this.#db.run(
          'UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?',
          [...l.extent, name],
        );
      }
    }
    const bytes = this.#db.export();
    this.#db.close();
    return bytes;
  }
}

function sqlValue(v: unknown, type: ExportColumn['type']): string | number | null {
  if (v === null || v === undefined) return null;
  if (type === 'boolean') return v ? 1 : 0;
  if (type === 'int' || type === 'float') {
    const n = typeof v === 'number' ? v : Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return typeof v === 'string' ? v : JSON.stringify(v);
}
