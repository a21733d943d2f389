import { ApiError } from '../errors';

/**
 * A coordinate reference system the OGC API offers (OGC API – Features Part 2). `latFirst`:
 * the CRS's axis order is latitude, longitude (EPSG:4326, EPSG:4258), so coordinates and
 * `bbox` values come in that order; CRS84 and the projected CRSs listed here are east, north.
 */
export interface OgcCrs {
  uri: string;
  srid: number;
  geographic: boolean;
  latFirst: boolean;
}

export const CRS84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';
const epsg = (n: number) => `http://www.opengis.net/def/crs/EPSG/0/${n}`;

/** Stored geometry is EPSG:3857 (docs/architecture.md): the collections' `storageCrs`. */
export const STORAGE_CRS = epsg(3857);

/**
 * The CRSs offered, with their EPSG axis order: CRS84 first (the default), then WGS84 and web
 * mercator, then ETRS89 and national grids the twin's imports meet (UTM 32N/33N, RD New, LV95,
 * British National Grid), whose EPSG axis order is easting, northing.
 */
export const OGC_CRSS: readonly OgcCrs[] = [
  { uri: CRS84, srid: 4326, geographic: true, latFirst: false },
  { uri: epsg(4326), srid: 4326, geographic: true, latFirst: true },
  { uri: epsg(3857), srid: 3857, geographic: false, latFirst: false },
  { uri: epsg(4258), srid: 4258, geographic: true, latFirst: true },
  { uri: epsg(25832), srid: 25832, geographic: false, latFirst: false },
  { uri: epsg(25833), srid: 25833, geographic: false, latFirst: false },
  { uri: epsg(28992), srid: 28992, geographic: false, latFirst: false },
  { uri: epsg(2056), srid: 2056, geographic: false, latFirst: false },
  { uri: epsg(27700), srid: 27700, geographic: false, latFirst: false },
];

const BY_URI = new Map(OGC_CRSS.map((c) => [c.uri, c]));

/**
 * A `crs` or `bbox-crs` value: a CRS URI of the list (also as a safe CURIE, `[EPSG:3857]`,
 * `[OGC:CRS84]`); anything else is 400.
 */
export function parseCrs(value: string | undefined, param: string): OgcCrs {
  if (value === undefined) return OGC_CRSS[0]!;
  const curie = /^\[(EPSG|OGC):([A-Za-z0-9]+)\]$/.exec(value.trim());
  const uri = curie
    ? curie[1] === 'OGC'
      ? `http://www.opengis.net/def/crs/OGC/1.3/${curie[2]}`
      : epsg(Number(curie[2]))
    : value.trim();
  const crs = BY_URI.get(uri.replace(/^https:/, 'http:'));
  if (!crs)
    throw new ApiError(
      400,
      'bad_request',
      `${param} must be one of the collection's CRSs (${OGC_CRSS.map((c) => c.uri).join(', ')})`,
    );
  return crs;
}

/** Decimal places of output coordinates: 7 for degrees (about 1 cm), 3 for metres (1 mm). */
export const coordinateDigits = (crs: OgcCrs): number => (crs.geographic ? 7 : 3);
