import proj4 from 'proj4';

/**
 * Coordinate reference systems for imports. The twin stores EPSG:3857; readers reproject every
 * position to WGS84 longitude/latitude first (validation and extents work there) and PostGIS
 * takes it to 3857. A CRS we cannot name is an error that tells the user how to set it.
 */

export class CrsError extends Error {
  override name = 'CrsError';
}

/** Definitions for codes proj4 does not know by itself (it knows 4326, 4269 and 3857). */
const DEFS: Record<number, string> = {
  4258: '+proj=longlat +ellps=GRS80 +no_defs',
  4283: '+proj=longlat +ellps=GRS80 +no_defs',
  4617: '+proj=longlat +ellps=GRS80 +no_defs',
  4759: '+proj=longlat +ellps=GRS80 +no_defs',
  4979: '+proj=longlat +datum=WGS84 +no_defs',
  900913: '+proj=merc +a=6378137 +b=6378137 +lat_ts=0 +lon_0=0 +x_0=0 +y_0=0 +k=1 +units=m +nadgrids=@null +no_defs',
  3395: '+proj=merc +lon_0=0 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs',
  // Netherlands (the demo city), Belgium, UK, France, Germany.
  28992:
    '+proj=sterea +lat_0=52.15616055555555 +lon_0=5.38763888888889 +k=0.9999079 +x_0=155000 +y_0=463000 +ellps=bessel +towgs84=565.417,50.3319,465.552,-0.398957,0.343988,-1.8774,4.0725 +units=m +no_defs',
  31370:
    '+proj=lcc +lat_1=51.16666723333333 +lat_2=49.8333339 +lat_0=90 +lon_0=4.367486666666666 +x_0=150000.013 +y_0=5400088.438 +ellps=intl +towgs84=-106.8686,52.2978,-103.7239,0.3366,-0.457,1.8422,-1.2747 +units=m +no_defs',
  27700:
    '+proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 +ellps=airy +towgs84=446.448,-125.157,542.06,0.15,0.247,0.842,-20.489 +units=m +no_defs',
  2154: '+proj=lcc +lat_0=46.5 +lon_0=3 +lat_1=49 +lat_2=44 +x_0=700000 +y_0=6600000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  3035: '+proj=laea +lat_0=52 +lon_0=10 +x_0=4321000 +y_0=3210000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  // United States: Kentucky single zone (EPANET ky4), New York Long Island, California zone 5.
  3088: '+proj=lcc +lat_1=37.08333333333334 +lat_2=38.66666666666666 +lat_0=36.33333333333334 +lon_0=-85.75 +x_0=1500000 +y_0=1000000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  3089: '+proj=lcc +lat_1=37.08333333333334 +lat_2=38.66666666666666 +lat_0=36.33333333333334 +lon_0=-85.75 +x_0=1500000 +y_0=999999.9998983998 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=us-ft +no_defs',
  3546: '+proj=lcc +lat_1=37.08333333333334 +lat_2=38.66666666666666 +lat_0=36.33333333333334 +lon_0=-85.75 +x_0=1500000 +y_0=1000000 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs',
  3547: '+proj=lcc +lat_1=37.08333333333334 +lat_2=38.66666666666666 +lat_0=36.33333333333334 +lon_0=-85.75 +x_0=1500000 +y_0=999999.9998983998 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=us-ft +no_defs',
  2263: '+proj=lcc +lat_1=41.03333333333333 +lat_2=40.66666666666666 +lat_0=40.16666666666666 +lon_0=-74 +x_0=300000.0000000001 +y_0=0 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=us-ft +no_defs',
  2229: '+proj=lcc +lat_1=35.46666666666667 +lat_2=34.03333333333333 +lat_0=33.5 +lon_0=-118 +x_0=2000000.0001016 +y_0=500000.0001016001 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=us-ft +no_defs',
};

/** UTM zones are regular: WGS84 (326zz north, 327zz south), NAD83 (269zz), ETRS89 (258zz). */
function utmDef(code: number): string | undefined {
  const zone = code % 100;
  if (zone < 1 || zone > 60) return undefined;
  const base = Math.floor(code / 100);
  if (base === 326) return `+proj=utm +zone=${zone} +datum=WGS84 +units=m +no_defs`;
  if (base === 327) return `+proj=utm +zone=${zone} +south +datum=WGS84 +units=m +no_defs`;
  if (base === 269 && zone <= 23) return `+proj=utm +zone=${zone} +datum=NAD83 +units=m +no_defs`;
  if (base === 258 && zone >= 28 && zone <= 38)
    return `+proj=utm +zone=${zone} +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs`;
  return undefined;
}

const BUILT_IN = new Set([4326, 4269, 3857]);

/** The EPSG codes this build can reproject from (for error messages and the UI). */
export function knownEpsgCodes(): number[] {
  return [...BUILT_IN, ...Object.keys(DEFS).map(Number)].sort((a, b) => a - b);
}

/** A resolved source CRS: a label for reports and a function to WGS84. */
export interface SourceCrs {
  /** `EPSG:3547`, or `WKT` for a definition without a code. */
  label: string;
  /** True when positions are already longitude/latitude in degrees. */
  geographic: boolean;
  toWgs84(x: number, y: number): [number, number];
}

const HINT = 'set the source CRS with --srs EPSG:xxxx';

export const WGS84: SourceCrs = { label: 'EPSG:4326', geographic: true, toWgs84: (x, y) => [x, y] };

/** `EPSG:3547`, `epsg:3547`, `urn:ogc:def:crs:EPSG::3547`, `3547`, `CRS84` → a SourceCrs. */
export function crsFromName(name: string): SourceCrs {
  const trimmed = name.trim();
  if (/^(urn:ogc:def:crs:OGC:1\.3:)?CRS84$/i.test(trimmed)) return WGS84;
  const m = /^(?:urn:ogc:def:crs:)?EPSG:{1,2}(?:[\d.]*:)?(\d{4,6})$/i.exec(trimmed) ?? /^(\d{4,6})$/.exec(trimmed);
  if (!m) throw new CrsError(`unrecognised CRS "${trimmed.slice(0, 80)}"; ${HINT}`);
  return crsFromEpsg(Number(m[1]));
}

export function crsFromEpsg(code: number): SourceCrs {
  if (code === 4326 || code === 4979) return WGS84;
  const def = BUILT_IN.has(code) ? `EPSG:${code}` : (DEFS[code] ?? utmDef(code));
  if (!def) throw new CrsError(`unknown CRS EPSG:${code} (no definition in this build); ${HINT} with a supported code, or reproject the file first`);
  return projected(`EPSG:${code}`, def);
}

/** A .prj / GeoPackage WKT: its EPSG authority when it names one we know, else the WKT itself. */
export function crsFromWkt(wkt: string): SourceCrs {
  const auth = /AUTHORITY\["EPSG",\s*"?(\d+)"?\]\s*\]\s*$/i.exec(wkt.trim()) ?? /ID\["EPSG",\s*(\d+)\]\s*\]\s*$/i.exec(wkt.trim());
  if (auth) {
    try {
      return crsFromEpsg(Number(auth[1]));
    } catch {
      // fall through to the WKT itself
    }
  }
  const esri = esriCode(wkt);
  if (esri) return crsFromEpsg(esri);
  if (/^GEOGCS\[/i.test(wkt.trim()) && /WGS[_ ]?(19)?84/i.test(wkt)) return WGS84;
  try {
    return projected('WKT', wkt);
  } catch (error) {
    throw new CrsError(`cannot read the CRS definition (${(error as Error).message}); ${HINT}`);
  }
}

function projected(label: string, def: string): SourceCrs {
  const converter = proj4(def, 'EPSG:4326');
  const geographic = /^\+proj=longlat/.test(def) || (label === 'WKT' && /^\s*GEOGCS/i.test(def));
  // Fail early on a definition proj4 cannot use.
  converter.forward([0, 0]);
  return {
    label,
    geographic,
    toWgs84: (x, y) => {
      const p = converter.forward([x, y]);
      return [p[0]!, p[1]!];
    },
  };
}

export const CRS_HINT = HINT;

/** Esri .prj files name their CRS but carry no EPSG code (nor datum shifts): map common names. */
const ESRI_NAMES: Record<string, number> = {
  rd_new: 28992,
  amersfoort_rd_new: 28992,
  'amersfoort / rd new': 28992,
  british_national_grid: 27700,
  rgf_1993_lambert_93: 2154,
  rgf93_lambert_93: 2154,
  belge_lambert_1972: 31370,
  wgs_1984_web_mercator_auxiliary_sphere: 3857,
  wgs_1984_web_mercator: 3857,
  gcs_wgs_1984: 4326,
  gcs_north_american_1983: 4269,
  nad_1983_stateplane_kentucky_fips_1600_feet: 3089,
  nad_1983_stateplane_new_york_long_island_fips_3104_feet: 2263,
  nad_1983_stateplane_california_v_fips_0405_feet: 2229,
};

function esriCode(wkt: string): number | undefined {
  const m = /^\s*(?:PROJCS|GEOGCS)\["([^"]+)"/i.exec(wkt);
  if (!m) return undefined;
  const name = m[1]!.toLowerCase();
  if (Object.hasOwn(ESRI_NAMES, name)) return ESRI_NAMES[name];
  const utm = /^(wgs_1984|nad_1983|etrs_1989)_utm_zone_(\d{1,2})([ns])$/.exec(name);
  if (!utm) return undefined;
  const zone = Number(utm[2]);
  const base = utm[1] === 'wgs_1984' ? (utm[3] === 's' ? 32700 : 32600) : utm[1] === 'nad_1983' ? 26900 : 25800;
  return base + zone;
}
