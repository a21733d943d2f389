import { readFileSync, statSync } from 'node:fs';
import initSqlJs from 'sql.js';
import wkx from 'wkx';
import type { Geometry } from 'geojson';
import { FileError, type ReaderContext, type SourceItem } from '../source';

/** sql.js keeps the whole database in memory: GeoPackages above this are refused. */
const MAX_GPKG_BYTES = 1024 ** 3;

/**
 * A GeoPackage's first feature table (or the one named by `table`), read with sql.js. Each
 * geometry blob is a GeoPackage binary header (magic `GP`, version, flags, srs_id, envelope)
 * followed by standard WKB, decoded with wkx.
 */
export async function* readGeoPackage(
  path: string,
  ctx: ReaderContext,
  table?: string,
): AsyncGenerator<SourceItem> {
  const size = statSync(path).size;
  if (size > MAX_GPKG_BYTES)
    throw new FileError(
      `GeoPackage larger than ${MAX_GPKG_BYTES} bytes; convert it to FlatGeobuf or GeoJSON first`,
    );
  const SQL = await initSqlJs();
  let db: InstanceType<typeof SQL.Database>;
  try {
    db = new SQL.Database(readFileSync(path));
    db.exec('SELECT 1 FROM gpkg_contents LIMIT 1');
  } catch (error) {
    throw new FileError(`not a readable GeoPackage: ${(error as Error).message}`);
  }
  try {
    const layers =
      db.exec(
        `SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c
       JOIN gpkg_geometry_columns g ON g.table_name = c.table_name
       WHERE c.data_type = 'features' ORDER BY c.table_name`,
      )[0]?.values ?? [];
    const layer = table ? layers.find((l) => l[0] === table) : layers[0];
    if (!layer)
      throw new FileError(
        table ? `GeoPackage has no feature table "${table}"` : 'GeoPackage has no feature table',
      );
    const [tableName, geomColumn, srsId] = layer as [string, string, number];
    const srs = db.exec(
      'SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?',
      [srsId],
    )[0]?.values[0];
    if (srs) {
      const [org, code, definition] = srs as [string, number, string];
      if (String(org).toUpperCase() === 'EPSG' && code > 0)
        yield { type: 'crs', name: `EPSG:${code}` };
      else if (definition && definition !== 'undefined') yield { type: 'crs', wkt: definition };
    }
    // Identifiers come from the file's own catalogue; quoted, never interpolated from a request.
    const quote = (id: string) => `"${id.replaceAll('"', '""')}"`;
    const stmt = db.prepare(`SELECT * FROM ${quote(tableName)}`);
    try {
      while (stmt.step()) {
        const row = stmt.getAsObject() as Record<string, unknown>;
        const blob = row[geomColumn] as Uint8Array | null;
        delete row[geomColumn];
        let geometry: Geometry | null = null;
        let problem: string | undefined;
        try {
          geometry = blob ? decodeGpkgGeometry(blob) : null;
        } catch (error) {
          problem = `unreadable geometry: ${(error as Error).message}`;
        }
        const id = (row.fid ?? row.id) as number | string | undefined;
        yield { type: 'feature', geometry, properties: row, id, problem };
      }
    } finally {
      stmt.free();
    }
    ctx.progress.bytes = size;
  } finally {
    db.close();
  }
}

/** GeoPackage binary (spec §2.1.3) → GeoJSON geometry; null for an empty geometry. */
export function decodeGpkgGeometry(blob: Uint8Array): Geometry | null {
  const buf = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (buf.length < 8 || buf[0] !== 0x47 || buf[1] !== 0x50) throw new Error('missing GP magic');
  const flags = buf[3]!;
  if (flags & 0b100000) throw new Error('extended GeoPackage geometries are not supported');
  const envelope = (flags >> 1) & 0b111;
  const envelopeBytes = [0, 32, 48, 48, 64][envelope];
  if (envelopeBytes === undefined) throw new Error(`bad envelope indicator ${envelope}`);
  if (flags & 0b10000) return null;
  const wkb = buf.subarray(8 + envelopeBytes);
  return wkx.Geometry.parse(wkb).toGeoJSON() as Geometry;
}
