import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import wkx from 'wkx';
import polyline from '@mapbox/polyline';
import type { Geometry } from 'geojson';
import { FileError, type ReaderContext, type SourceItem } from '../source';

const LON = ['lon', 'lng', 'long', 'longitude', 'x'];
const LAT = ['lat', 'latitude', 'y'];
const WKT = ['wkt', 'geometry', 'geom', 'the_geom', 'wkb_geometry', 'shape'];
const ID = ['id', 'fid', 'sensor_id', 'source_id'];

/**
 * CSV with a point per row (longitude/latitude columns, any of lon/lng/longitude/x and
 * lat/latitude/y), a WKT geometry column or an encoded `polyline` column; an empty geometry cell
 * gives a feature without geometry. Long-format sensor observations (`sensor,ts,value` rows) may
 * have no geometry column at all. Numeric-looking cells become numbers.
 */
export async function* readCsv(path: string, ctx: ReaderContext): AsyncGenerator<SourceItem> {
  const stream = createReadStream(path);
  stream.on('data', (chunk) => (ctx.progress.bytes += chunk.length));
  const parser = stream.pipe(
    parse({
      columns: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }),
  );
  let geometryOf: ((row: Record<string, string>) => Geometry | null) | null = null;
  let idColumn: string | undefined;
  let geometryColumns: string[] = [];
  try {
    for await (const row of parser as AsyncIterable<Record<string, string>>) {
      if (!geometryOf) {
        const cols = Object.keys(row);
        const find = (names: string[]) => cols.find((c) => names.includes(c.toLowerCase()));
        const lon = find(LON);
        const lat = find(LAT);
        const wktCol = find(WKT);
        idColumn = find(ID);
        if (lon && lat) {
          geometryColumns = [lon, lat];
          geometryOf = (r) => ({
            type: 'Point',
            coordinates: [cellNumber(r[lon]), cellNumber(r[lat])],
          });
        } else if (wktCol || find(['polyline'])) {
          // WKT, or an encoded polyline (Google's format, precision 5: latitude first); a row may
          // give either (long-format sensors: a point for one, a line for another).
          const poly = find(['polyline']);
          geometryColumns = [wktCol, poly].filter((c): c is string => c !== undefined);
          geometryOf = (r) => {
            if (wktCol && r[wktCol]?.trim())
              return wkx.Geometry.parse(r[wktCol]!).toGeoJSON() as Geometry;
            if (poly && r[poly]?.trim())
              return {
                type: 'LineString',
                coordinates: polyline.decode(r[poly]!).map(([la, lo]) => [lo, la]),
              };
            return null;
          };
        } else if (
          find(['sensor', 'sensor_id']) &&
          find(['ts', 'time', 'timestamp']) &&
          find(['value'])
        ) {
          // Long-format observations without positions: the readings of registered sensors.
          geometryOf = () => null;
        } else {
          throw new FileError(
            `CSV has no geometry: expected longitude/latitude columns (${LON.join('/')} and ${LAT.join('/')}) or a WKT column (${WKT.join('/')}); columns are ${cols.join(', ')}`,
          );
        }
      }
      const properties: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) {
        if (!geometryColumns.includes(k)) properties[k] = cellValue(v);
      }
      const id = idColumn ? row[idColumn] : undefined;
      try {
        yield { type: 'feature', geometry: geometryOf(row), properties, id };
      } catch (error) {
        yield {
          type: 'feature',
          geometry: null,
          properties,
          id,
          problem: `unreadable WKT: ${(error as Error).message}`,
        };
      }
    }
  } catch (error) {
    if (error instanceof FileError) throw error;
    throw new FileError(`malformed CSV: ${(error as Error).message}`);
  }
}

/** A coordinate cell: a number, or NaN so validation rejects the row with a reason. */
function cellNumber(v: string | undefined): number {
  return v === undefined || v.trim() === '' ? NaN : Number(v);
}

function cellValue(v: string | undefined): unknown {
  if (v === undefined || v === '') return null;
  if (/^-?(0|[1-9]\d{0,14})(\.\d+)?([eE][+-]?\d+)?$/.test(v)) return Number(v);
  return v;
}
