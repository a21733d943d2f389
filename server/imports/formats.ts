import { openSync, readSync, closeSync } from 'node:fs';
import { FileError, type Reader } from './source';
import { readGeoJson, readNdjson } from './readers/geojson';
import { readCsv } from './readers/csv';
import { readShapefile } from './readers/shapefile';
import { readGeoPackage } from './readers/geopackage';
import { readFlatGeobuf } from './readers/flatgeobuf';
import { readOsmPbf } from './readers/osm-pbf';
import { readEpanet } from './readers/epanet';
import { readCityJson, readCityJsonSeq } from './readers/cityjson';
import { readCityGml } from './readers/citygml';

export const FORMATS = [
  'geojson',
  'ndjson',
  'csv',
  'shapefile',
  'geopackage',
  'flatgeobuf',
  'osm',
  'epanet',
  'cityjson',
  'cityjsonseq',
  'citygml',
] as const;
export type Format = (typeof FORMATS)[number];

export const READERS: Record<Format, Reader> = {
  geojson: readGeoJson,
  ndjson: readNdjson,
  csv: readCsv,
  shapefile: readShapefile,
  geopackage: (path, ctx) => readGeoPackage(path, ctx),
  flatgeobuf: readFlatGeobuf,
  osm: readOsmPbf,
  epanet: readEpanet,
  cityjson: readCityJson,
  cityjsonseq: readCityJsonSeq,
  citygml: readCityGml,
};

/**
 * Formats whose files may carry no CRS, taken then as WGS84 longitude/latitude (RFC 7946 for
 * GeoJSON; OSM is always WGS84; CSV columns are named longitude/latitude). The others must
 * declare one or be given `--srs`.
 */
export const WGS84_BY_DEFAULT = new Set<Format>(['geojson', 'ndjson', 'csv', 'osm']);

const BY_EXTENSION: [RegExp, Format][] = [
  [/\.city\.json$/i, 'cityjson'],
  [/\.city\.jsonl$/i, 'cityjsonseq'],
  [/\.(gml|citygml)$/i, 'citygml'],
  [/\.(geo)?json$/i, 'geojson'],
  [/\.(ndjson|geojsonl|geojsons|jsonl|geojsonseq)$/i, 'ndjson'],
  [/\.(csv|txt)$/i, 'csv'],
  [/\.(zip|shp)$/i, 'shapefile'],
  [/\.gpkg$/i, 'geopackage'],
  [/\.fgb$/i, 'flatgeobuf'],
  [/\.(osm\.)?pbf$/i, 'osm'],
  [/\.inp$/i, 'epanet'],
];

/** How much of a file's head is read to tell its format. */
const SNIFF_BYTES = 4096;

/** The format of a file: by its first bytes where they are distinctive, else by its name. */
export function detectFormat(path: string, name = path): Format {
  const head = Buffer.alloc(SNIFF_BYTES);
  const fd = openSync(path, 'r');
  let n = 0;
  try {
    n = readSync(fd, head, 0, SNIFF_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  const bytes = head.subarray(0, n);
  const text = bytes.toString('utf8');
  // CityJSON shares .json/.jsonl with GeoJSON, CityGML .xml with everything: look inside.
  if (/^\s*\{[^]*?"type"\s*:\s*"CityJSON"/.test(text))
    return /\.(jsonl|ndjson)$/i.test(name) || /^\s*\{[^\n]*\}\s*\n\s*\{/.test(text)
      ? 'cityjsonseq'
      : 'cityjson';
  if (/^\s*(<\?xml[^>]*>\s*)?(<!--[^]*?-->\s*)*<([\w-]+:)?CityModel[\s>]/.test(text))
    return 'citygml';
  if (bytes.subarray(0, 15).toString('latin1') === 'SQLite format 3') return 'geopackage';
  if (bytes[0] === 0x66 && bytes[1] === 0x67 && bytes[2] === 0x62) return 'flatgeobuf';
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) return 'shapefile';
  if (
    n >= 8 &&
    bytes.readInt32BE(0) > 0 &&
    bytes.readInt32BE(0) < 64 * 1024 &&
    bytes.subarray(4, 16).includes(0x0a)
  ) {
    if (/\.pbf$/i.test(name)) return 'osm';
  }
  for (const [re, format] of BY_EXTENSION) if (re.test(name)) return format;
  throw new FileError(
    `cannot tell the format of "${name}"; supported: ${FORMATS.join(', ')} (by extension: .geojson .ndjson .csv .zip .gpkg .fgb .osm.pbf .inp .city.json .city.jsonl .gml)`,
  );
}
