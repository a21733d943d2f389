import type { LayerDefinition } from '../../tiles/catalog';
import { ApiError } from '../errors';
import { bboxNumbers, inLonLatRange } from '../../tiles/bbox';
import { parseCrs, type OgcCrs } from './ogc-crs';

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 10_000;

/** A bbox in longitude/latitude order of its CRS's east and north axes (axis order undone). */
export interface Bbox {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
  crs: OgcCrs;
}

/** A `datetime` as an interval of years, either end open (the twin's layers have years). */
export interface YearRange {
  from: number | null;
  to: number | null;
}

export interface ItemsQuery {
  limit: number;
  offset: number;
  bbox: Bbox | null;
  crs: OgcCrs;
  datetime: YearRange | null;
  /** `?prop=value` filters on queryable properties, values typed by the catalogue. */
  filters: { name: string; value: string | number | boolean }[];
}

/** Parameters every `/items` request may carry besides property filters. */
const ITEM_PARAMS = new Set(['f', 'limit', 'offset', 'bbox', 'bbox-crs', 'crs', 'datetime']);

const bad = (message: string) => new ApiError(400, 'bad_request', message);

/** The properties `?prop=value` may filter on: the layer's catalogue attributes. */
export const queryables = (layer: LayerDefinition): string[] => Object.keys(layer.attributes);

/**
 * Parses `/items` parameters (OGC API – Features Part 1 §7.15, Part 2 §6). Unknown parameters,
 * repeated ones and malformed values are 400; `limit` above the maximum is lowered to it.
 */
export function parseItemsQuery(url: URL, layer: LayerDefinition): ItemsQuery {
  const attrs = layer.attributes;
  const one = (name: string): string | undefined => {
    const all = url.searchParams.getAll(name);
    if (all.length > 1) throw bad(`${name} may be given once`);
    return all[0];
  };
  for (const name of new Set(url.searchParams.keys())) {
    if (!ITEM_PARAMS.has(name) && !(name in attrs)) {
      const shown = /^[A-Za-z0-9_-]{1,64}$/.test(name) ? `: ${name}` : '';
      throw bad(
        `unknown parameter${shown} (queryable properties: ${queryables(layer).join(', ')})`,
      );
    }
  }
  const limit = integer(one('limit'), 'limit', DEFAULT_LIMIT, 1);
  const offset = integer(one('offset'), 'offset', 0, 0);
  const crs = parseCrs(one('crs'), 'crs');
  const bboxCrs = parseCrs(one('bbox-crs'), 'bbox-crs');
  const rawBbox = one('bbox');
  const filters: ItemsQuery['filters'] = [];
  for (const [name, a] of Object.entries(attrs)) {
    const raw = one(name);
    if (raw === undefined) continue;
    if (a.type === 'string') filters.push({ name, value: raw });
    else if (a.type === 'boolean') {
      if (raw !== 'true' && raw !== 'false') throw bad(`${name} must be true or false`);
      filters.push({ name, value: raw === 'true' });
    } else {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n) || (a.type === 'int' && !Number.isInteger(n)))
        throw bad(`${name} must be ${a.type === 'int' ? 'an integer' : 'a number'}`);
      filters.push({ name, value: n });
    }
  }
  return {
    limit: Math.min(limit, MAX_LIMIT),
    offset,
    crs,
    bbox: rawBbox === undefined ? null : parseBbox(rawBbox, bboxCrs),
    datetime: parseDatetime(one('datetime')),
    filters,
  };
}

function integer(raw: string | undefined, name: string, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min)
    throw bad(`${name} must be an integer of at least ${min}`);
  return Number(raw);
}

/**
 * `bbox=x1,y1,x2,y2` (or 6 values with heights, which are ignored) in the bbox-crs's axis order
 * (OGC API – Features §7.15.3). The numbers and, for a geographic CRS, the WGS84 range are
 * checked by the twin's one bbox parser (tiles/bbox.ts); latitudes are clamped to web
 * mercator's where the bbox is projected (ogc-features.ts).
 */
export function parseBbox(raw: string, crs: OgcCrs): Bbox {
  const v = bboxNumbers(raw, [4, 6]);
  const [a1, b1, a2, b2] = v.length === 4 ? v : [v[0]!, v[1]!, v[3]!, v[4]!];
  // Axis order of the CRS: EPSG:4326 gives latitude first.
  const [minX, minY, maxX, maxY] = crs.latFirst ? [b1!, a1!, b2!, a2!] : [a1!, b1!, a2!, b2!];
  if (minY > maxY) throw bad('bbox: the lower bound of the second axis is above its upper bound');
  // A geographic bbox whose west edge is east of its east edge crosses the antimeridian.
  if (minX > maxX && !crs.geographic)
    throw bad('bbox: the lower bound of the first axis is above its upper bound');
  if (crs.geographic && !(inLonLatRange(minX, minY) && inLonLatRange(maxX, maxY))) {
    throw bad('bbox: longitudes must lie in [-180, 180] and latitudes in [-90, 90]');
  }
  return { minX, minY, maxX, maxY, crs };
}

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$/;

/**
 * `datetime`: an RFC 3339 date-time or date, or an interval `a/b` with `..` (or nothing) for
 * an open end (Part 1 §7.15.4). The twin's features carry years (`year_built`), so the result
 * is the range of years the instant or interval touches.
 */
export function parseDatetime(raw: string | undefined): YearRange | null {
  if (raw === undefined) return null;
  const year = (s: string): number | null => {
    if (s === '..' || s === '') return null;
    const m = INSTANT.exec(s);
    if (!m || Number.isNaN(Date.parse(m[4] ? s.toUpperCase() : `${s}T00:00:00Z`)))
      throw bad(
        'datetime must be an RFC 3339 date-time, or an interval start/end with .. for an open end',
      );
    const t = new Date(m[4] ? s.toUpperCase() : `${s}T00:00:00Z`);
    return t.getUTCFullYear();
  };
  const parts = raw.split('/');
  if (parts.length > 2) throw bad('datetime: at most one "/"');
  if (parts.length === 1) {
    if (raw === '..' || raw === '') throw bad('datetime: an instant cannot be open');
    const y = year(raw);
    return { from: y, to: y };
  }
  const from = year(parts[0]!);
  const to = year(parts[1]!);
  if (from === null && to === null)
    throw bad('datetime: at most one end of an interval may be open');
  if (from !== null && to !== null && from > to)
    throw bad('datetime: the interval ends before it starts');
  return { from, to };
}
