import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import proj4 from 'proj4';
import { twinError } from '../../common/twin-error';

/**
 * Coordinate reference systems for imports. The twin stores EPSG:3857; readers reproject every
 * position to WGS84 longitude/latitude first (validation and extents work there) and PostGIS
 * takes it to 3857. A CRS we cannot name is an error that tells the user how to set it.
 *
 * Any EPSG code: the definition comes from the database's `spatial_ref_sys` (PostGIS and PGlite
 * ship PROJ's, with consistent datum shifts), handed to the parse worker as a table of proj4
 * strings (`SpatialRefSys`); `epsg-index` (the EPSG registry, one file per code) tells what kind
 * of CRS a code is, splits compound CRSs, and defines codes the table lacks. A compound CRS
 * (e.g. EPSG:7415, RD New + NAP height) is read as its horizontal part; heights stay as they are.
 */

/** A CRS the import cannot read or does not know (400). */
export class CrsError extends twinError('CrsError', 400, 'bad_request') {}

/** A resolved source CRS: a label for reports and a function to WGS84. */
export interface SourceCrs {
  /** `EPSG:3547`, or `WKT` / `PROJJSON` for a definition without a code. */
  label: string;
  /** True when positions are already longitude/latitude in degrees. */
  geographic: boolean;
  toWgs84(x: number, y: number): [number, number];
}

const HINT = 'set the source CRS with --srs EPSG:xxxx';
export const CRS_HINT = HINT;

export const WGS84: SourceCrs = { label: 'EPSG:4326', geographic: true, toWgs84: (x, y) => [x, y] };

interface EpsgEntry {
  code: string;
  kind: string;
  name: string;
  wkt: string | null;
  proj4: string | null;
}

const require = createRequire(import.meta.url);

/** EPSG code → proj4 definition, from `spatial_ref_sys` (see `loadSpatialRefSys`). */
export type SpatialRefSys = Record<number, string>;

let srsTable: SpatialRefSys = {};

/**
 * Makes the database's definitions the ones used from now on, in this thread (the server and
 * each parse worker call it with the same table). Without it only `epsg-index` is used, whose
 * seven-parameter datum shifts are not always in proj4's convention.
 */
export function useSpatialRefSys(table: SpatialRefSys): void {
  srsTable = table;
}

/** One entry of the EPSG registry, or undefined for a code it does not hold. */
function epsgEntry(code: number): EpsgEntry | undefined {
  if (!Number.isInteger(code) || code <= 0 || code > 999_999) return undefined;
  let path: string;
  try {
    path = require.resolve(`epsg-index/s/${code}.json`);
  } catch {
    return undefined;
  }
  return JSON.parse(readFileSync(path, 'utf8')) as EpsgEntry;
}

const CRS84 =
  /^(?:urn:ogc:def:crs:OGC:(?:1\.3|2)?:CRS84|https?:\/\/www\.opengis\.net\/def\/crs\/OGC\/(?:1\.3|0)\/CRS84|(?:OGC:)?CRS84)$/i;
const EPSG_NAME =
  /^(?:urn:ogc:def:crs:EPSG:[\d.]*:|EPSG:{1,2}|https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/[\d.]+\/)?(\d{4,6})$/i;

/**
 * A CRS by name or definition: `EPSG:2056`, `epsg:2056`, `2056`, `urn:ogc:def:crs:EPSG::2056`,
 * `http://www.opengis.net/def/crs/EPSG/0/2056`, compound names (`urn:ogc:def:crs,crs:EPSG::28992,
 * crs:EPSG::5709`, the OGC `crs-compound?1=…&2=…` URL: the first, horizontal part), `CRS84`, a
 * WKT (1 or 2) or a PROJJSON definition.
 */
export function crsFromName(name: string): SourceCrs {
  const trimmed = name.trim();
  if (trimmed.startsWith('{')) return crsFromProjJson(trimmed);
  if (/^[A-Z_]+(CS|CRS)\s*\[/i.test(trimmed)) return crsFromWkt(trimmed);
  if (CRS84.test(trimmed)) return WGS84;
  const m = EPSG_NAME.exec(trimmed);
  if (m) return crsFromEpsg(Number(m[1]));
  // urn:ogc:def:crs,crs:EPSG::28992,crs:EPSG::5709 (OGC 07-092r3 §7.5.4).
  const urnParts = /^urn:ogc:def:crs,(.+)$/i.exec(trimmed);
  if (urnParts) return crsFromName(`urn:ogc:def:${urnParts[1]!.split(',')[0]!.trim()}`);
  const compound = /^https?:\/\/www\.opengis\.net\/def\/crs-compound\?1=([^&]+)/i.exec(trimmed);
  if (compound) return crsFromName(decodeURIComponent(compound[1]!));
  throw new CrsError(`unrecognised CRS "${trimmed.slice(0, 80)}"; ${HINT}`);
}

/** An EPSG code from the registry; a compound CRS gives its horizontal part. */
export function crsFromEpsg(code: number): SourceCrs {
  if (code === 4326 || code === 4979) return WGS84;
  const entry = epsgEntry(code);
  if (!entry && srsTable[code]) return projected(`EPSG:${code}`, srsTable[code]);
  if (!entry) {
    throw new CrsError(
      `unknown CRS EPSG:${code} (not in the EPSG registry); ${HINT} with a valid code, or give its WKT or PROJJSON`,
    );
  }
  if (entry.kind === 'CRS-COMPOUNDCRS') {
    const horizontal = entry.wkt ? horizontalCode(entry.wkt) : undefined;
    if (horizontal !== undefined && horizontal !== code)
      return { ...crsFromEpsg(horizontal), label: `EPSG:${horizontal}` };
  }
  if (entry.kind === 'CRS-VERTCRS')
    throw new CrsError(
      `EPSG:${code} (${entry.name}) is a vertical CRS; ${HINT} with its horizontal CRS`,
    );
  if (entry.kind === 'CRS-GCENCRS' || entry.kind === 'CRS-GEOCCRS')
    throw new CrsError(
      `EPSG:${code} (${entry.name}) is geocentric (x, y, z from the Earth's centre), which the twin does not read; ${HINT}`,
    );
  if (!entry.kind.startsWith('CRS-'))
    throw new CrsError(
      `EPSG:${code} (${entry.name}) is not a coordinate reference system; ${HINT}`,
    );
  const def = srsTable[code] || entry.proj4 || entry.wkt;
  if (!def)
    throw new CrsError(`EPSG:${code} (${entry.name}) has no definition proj4 can use; ${HINT}`);
  try {
    return projected(`EPSG:${code}`, def);
  } catch (error) {
    throw new CrsError(
      `EPSG:${code} (${entry.name}) cannot be used: ${(error as Error).message}; ${HINT}`,
    );
  }
}

/** The EPSG code of a compound WKT's first (horizontal) component. */
function horizontalCode(wkt: string): number | undefined {
  const inner = /^\s*COMPD_CS\s*\[\s*"[^"]*"\s*,\s*/i.exec(wkt);
  if (!inner) return undefined;
  const rest = wkt.slice(inner[0].length);
  return topLevelCode(componentAt(rest));
}

/** The bracketed WKT element at the start of `s` (`PROJCS[…]`), by bracket depth. */
function componentAt(s: string): string {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"') i = s.indexOf('"', i + 1);
    else if (ch === '[' || ch === '(') depth++;
    else if (ch === ']' || ch === ')') {
      depth--;
      if (depth === 0) return s.slice(0, i + 1);
    }
    if (i < 0) break;
  }
  return s;
}

/** The EPSG code a WKT element names for itself (its last AUTHORITY / ID), if any. */
function topLevelCode(wkt: string): number | undefined {
  const t = wkt.trim();
  const auth =
    /AUTHORITY\[\s*"EPSG"\s*,\s*"?(\d+)"?\s*\]\s*\]\s*$/i.exec(t) ??
    /ID\[\s*"EPSG"\s*,\s*(\d+)\s*(?:,[^\]]*)?\]\s*\]\s*$/i.exec(t);
  return auth ? Number(auth[1]) : undefined;
}

/**
 * A .prj, GeoPackage or `--srs` WKT: its EPSG code when it names one (the registry's definition
 * carries the datum shift a WKT often lacks), an Esri name we know, else the WKT itself.
 */
export function crsFromWkt(wkt: string): SourceCrs {
  const t = wkt.trim();
  if (/^(COMPD_CS|COMPOUNDCRS)\s*\[/i.test(t)) {
    const head = /^\s*(?:COMPD_CS|COMPOUNDCRS)\s*\[\s*"[^"]*"\s*,\s*/i.exec(t)!;
    const own = topLevelCode(t);
    if (own) {
      try {
        return crsFromEpsg(own);
      } catch {
        // fall through to the horizontal component
      }
    }
    return crsFromWkt(componentAt(t.slice(head[0].length)));
  }
  const code = topLevelCode(t);
  if (code) {
    try {
      return crsFromEpsg(code);
    } catch {
      // fall through to the WKT itself
    }
  }
  const esri = esriCode(t);
  if (esri) return crsFromEpsg(esri);
  if (/^GEOGCS\[/i.test(t) && /WGS[_ ]?(19)?84/i.test(t)) return WGS84;
  try {
    return projected('WKT', t);
  } catch (error) {
    throw new CrsError(`cannot read the CRS definition (${(error as Error).message}); ${HINT}`);
  }
}

/** A PROJJSON definition: its EPSG id when it has one, else the definition itself. */
export function crsFromProjJson(text: string): SourceCrs {
  let json: {
    type?: string;
    id?: { authority?: string; code?: number | string };
    components?: unknown[];
  };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    throw new CrsError(`the CRS looks like PROJJSON but is not valid JSON; ${HINT}`);
  }
  if (json.type === 'CompoundCRS' && Array.isArray(json.components) && json.components[0]) {
    return crsFromProjJson(JSON.stringify(json.components[0]));
  }
  if (json.id && String(json.id.authority).toUpperCase() === 'EPSG' && Number(json.id.code) > 0) {
    return crsFromEpsg(Number(json.id.code));
  }
  try {
    return projected('PROJJSON', json);
  } catch (error) {
    throw new CrsError(
      `cannot read the PROJJSON definition (${(error as Error).message}); ${HINT}`,
    );
  }
}

/**
 * A proj4 definition (string, WKT or PROJJSON object) to WGS84. Only WGS84 itself skips the
 * transform; every other CRS, geographic ones included (NAD27, Amersfoort…), goes through proj4
 * for its datum shift.
 */
function projected(label: string, def: string | object): SourceCrs {
  const converter = proj4(def as string, 'EPSG:4326');
  // Fail early on a definition proj4 cannot use.
  converter.forward([0, 0]);
  return {
    label,
    geographic: false,
    toWgs84: (x, y) => {
      const p = converter.forward([x, y]);
      return [p[0]!, p[1]!];
    },
  };
}

/** Esri .prj files name their CRS but carry no EPSG code (nor datum shifts): map common names. */
const ESRI_NAMES: Record<string, number> = {
  rd_new: 28992,
  amersfoort_rd_new: 28992,
  'amersfoort / rd new': 28992,
  british_national_grid: 27700,
  rgf_1993_lambert_93: 2154,
  rgf93_lambert_93: 2154,
  belge_lambert_1972: 31370,
  ch1903plus_lv95: 2056,
  ch1903_lv03: 21781,
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
  const base =
    utm[1] === 'wgs_1984'
      ? utm[3] === 's'
        ? 32700
        : 32600
      : utm[1] === 'nad_1983'
        ? 26900
        : 25800;
  return base + zone;
}
