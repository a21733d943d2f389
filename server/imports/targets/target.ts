import type { Position } from 'geojson';
import type { SourceCrs } from '../crs';
import { checkGeometry, lineToWgs84, type Checked, type StageGeometryFormat } from '../geometry';
import type { Expression, Properties, Value } from '../expressions';
import type { SourceFeature } from '../source';
import type { StageWriter } from '../stage-writer';

/** Where a feature goes: each twin layer (and custom layers) turns source features into rows. */
export interface Target {
  /** Stages one feature (or rejects it with a reason). Returns false when it was not for this layer. */
  feature(f: SourceFeature, idx: number, crs: SourceCrs): boolean;
  /** Stages what only the whole file determines (network nodes and links). */
  finish(): void;
  /** What the loader needs to know besides the rows (custom layer columns). */
  summary(): Record<string, unknown>;
}

export interface TargetContext {
  out: StageWriter;
  mapping: Map<string, Expression>;
  /** Counts features rejected because their coordinates were out of range (a CRS hint). */
  stats: { outOfRange: number; accepted: number; rejected: number };
  /** For an existing custom layer: the geometry kind it holds. */
  customGeometry?: 'point' | 'line' | 'polygon';
  /**
   * Rows that need nothing from the database (accepted, with a polygon proved simple) may go
   * straight into the layer's own table (`StageWriter.directRow`) instead of staging.
   */
  direct?: boolean;
}

/** The mapped value of a target field when `--map` names it, else undefined. */
export function mapped(ctx: TargetContext, field: string, props: Properties): Value | undefined {
  const e = ctx.mapping.get(field);
  return e ? e(props) : undefined;
}

/** The first of the given properties that has a value. */
export function pick(props: Properties, ...names: string[]): unknown {
  for (const n of names) {
    const v = props[n];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return null;
}

/** The feature's id for upserts and reports: --map source_id=…, the source id, or id / @id. */
export function sourceIdOf(ctx: TargetContext, f: SourceFeature): string | null {
  const m = mapped(ctx, 'source_id', f.properties);
  const v = m !== undefined ? m : (f.id ?? pick(f.properties, 'id', '@id', 'osm_id', 'fid'));
  return v === null || v === undefined ? null : String(v).slice(0, 200);
}

export function check(
  ctx: TargetContext,
  f: SourceFeature,
  crs: SourceCrs,
  format?: StageGeometryFormat,
): Checked {
  if (f.problem) return { ok: false, reason: f.problem };
  const c = checkGeometry(f.geometry, crs, format);
  if (!c.ok && c.outOfRange) ctx.stats.outOfRange++;
  return c;
}

/**
 * The shared start of the polygon layers (buildings, land use): the feature's source id and
 * checked geometry, or null when it is rejected (with the reason) for being invalid or not a
 * polygon; `needs` starts that reason (`buildings need`).
 */
export function checkPolygon(
  ctx: TargetContext,
  f: SourceFeature,
  idx: number,
  crs: SourceCrs,
  needs: string,
  /** The feature may go out as a direct row: a ring proved simple needs no staged geometry. */
  direct = false,
): {
  sid: string | null;
  geom: string;
  simple: boolean;
  bbox: readonly number[];
  ring?: { xs: number[]; ys: number[] };
} | null {
  const sid = sourceIdOf(ctx, f);
  // A polygon of one ring is most likely simple: checked without writing it out, and walked
  // again for its staged geometry only when it is not.
  const g = f.geometry;
  let c =
    direct && g?.type === 'Polygon' && g.coordinates.length === 1
      ? check(ctx, f, crs, 'none')
      : check(ctx, f, crs);
  if (c.ok && c.geom === '' && !c.simple) c = check(ctx, f, crs);
  if (!c.ok) return (reject(ctx, 'f', idx, sid, c.reason), null);
  if (c.kind !== 'polygon')
    return (reject(ctx, 'f', idx, sid, `${needs} polygons; got ${f.geometry?.type}`), null);
  return { sid, geom: c.geom, simple: c.simple, bbox: c.bbox, ring: c.ring };
}

export function reject(
  ctx: TargetContext,
  kind: 'f' | 'n' | 'l',
  idx: number,
  sourceId: string | null,
  reason: string,
): void {
  ctx.stats.rejected++;
  ctx.out.row(kind, idx, sourceId, null, null, 'rejected', reason.slice(0, 500));
}

export function accept(
  ctx: TargetContext,
  kind: 'f' | 'n' | 'l',
  idx: number | null,
  sourceId: string | null,
  /** Staged geometry; with `simple`, a polygon proved valid (Checked.simple): no ST_IsValid. */
  geometry: string | { geom: string; simple: boolean },
  vals: unknown,
): void {
  if (idx !== null) ctx.stats.accepted++;
  const { geom, simple } =
    typeof geometry === 'string' ? { geom: geometry, simple: false } : geometry;
  ctx.out.row(kind, idx, sourceId, geom, vals, 'accepted', null, simple);
}

/** Source properties kept with the row (`attributes` jsonb), without huge values. */
export function attributesOf(props: Properties): Properties {
  const out: Properties = {};
  for (const [k, v] of Object.entries(props)) {
    if (typeof v === 'string' && v.length > 2000) out[k] = v.slice(0, 2000);
    else if (v !== undefined) out[k] = v;
  }
  return out;
}

export function wgs84Line(f: SourceFeature, crs: SourceCrs): Position[][] {
  const g = f.geometry;
  if (g?.type === 'LineString') return [lineToWgs84(g.coordinates, crs)];
  if (g?.type === 'MultiLineString') return g.coordinates.map((l) => lineToWgs84(l, crs));
  return [];
}

export function lineEwkt(coords: Position[]): string {
  return `SRID=4326;LINESTRING(${coords.map((p) => `${p[0]} ${p[1]}`).join(',')})`;
}

export function pointEwkt(p: Position): string {
  return `SRID=4326;POINT(${p[0]} ${p[1]})`;
}

export function clampInt(v: unknown, min: number, max: number): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? parseFloat(v) : NaN;
  if (!Number.isFinite(n)) return null;
  return Math.min(max, Math.max(min, Math.round(n)));
}
