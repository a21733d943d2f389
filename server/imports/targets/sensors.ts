import type { StagedValues } from '../../../schema/columns';
import type { Position } from 'geojson';
import { toNumber } from '../expressions';
import { lineToWgs84 } from '../geometry';
import {
  accept,
  attributesOf,
  check,
  mapped,
  pick,
  reject,
  sourceIdOf,
  type Target,
  type TargetContext,
} from './target';

/** Kind given to sensors whose source names none (METR-LA loop detectors measure speed). */
export const DEFAULT_SENSOR_KIND = 'traffic_speed';

/** A reading's time: ISO 8601, or epoch seconds / milliseconds; null when unreadable or beyond ±100 years. */
export function readingTime(v: unknown): string | null {
  const n =
    typeof v === 'number'
      ? v
      : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())
        ? Number(v)
        : NaN;
  const ms = Number.isFinite(n)
    ? Math.abs(n) < 1e11
      ? n * 1000
      : n
    : typeof v === 'string'
      ? Date.parse(v)
      : NaN;
  if (!Number.isFinite(ms) || Math.abs(ms - Date.now()) > 100 * 365.25 * 86_400_000) return null;
  return new Date(ms).toISOString();
}

/** The point halfway along a line (by planar length of its vertices), for a sensor's location. */
function midpoint(coords: Position[]): Position {
  let total = 0;
  for (let i = 1; i < coords.length; i++)
    total += Math.hypot(coords[i]![0]! - coords[i - 1]![0]!, coords[i]![1]! - coords[i - 1]![1]!);
  let left = total / 2;
  for (let i = 1; i < coords.length; i++) {
    const [a, b] = [coords[i - 1]!, coords[i]!];
    const d = Math.hypot(b[0]! - a[0]!, b[1]! - a[1]!);
    if (d >= left && d > 0)
      return [a[0]! + ((b[0]! - a[0]!) * left) / d, a[1]! + ((b[1]! - a[1]!) * left) / d];
    left -= d;
  }
  return coords[0]!;
}

/**
 * Sensors registry: points with external_id (`sensor_id`, `id`, or --map source_id=…), kind,
 * unit, name, reference_value and interval_s. The external id is the upsert key.
 *
 * Long-format observations (issue #15) — rows of `sensor`, `ts`, `value`, with a point, a line
 * (WKT or encoded polyline: the sensor's location is its midpoint, the line kept in attributes)
 * or no geometry — register each sensor once, from its first row with a geometry, and load
 * every row as a reading (staged as kind `r`; readings of sensors neither in the file nor
 * registered are not stored).
 */
export function sensorsTarget(ctx: TargetContext): Target {
  const seen = new Set<string>();
  const readings = { staged: 0, rejected: 0 };
  return {
    feature(f, idx, crs) {
      const p = f.properties;
      const m = (field: string) => mapped(ctx, field, p);
      const external =
        m('external_id') ??
        m('source_id') ??
        pick(p, 'external_id', 'sensor_id', 'sensor') ??
        sourceIdOf(ctx, f) ??
        `sensor-${idx}`;
      const sid = String(external).slice(0, 200);
      const observation = p.value !== undefined && pick(p, 'ts', 'time', 'timestamp') !== null;
      if (observation) {
        const ts = readingTime(pick(p, 'ts', 'time', 'timestamp'));
        const value = toNumber(p.value);
        if (ts === null || value === null) readings.rejected++;
        else {
          readings.staged++;
          ctx.out.row('r', null, sid, null, { ts, value }, 'accepted', null);
        }
        if (seen.has(sid) || !f.geometry) return true;
      }
      let geometry = f.geometry;
      let line: Position[] | undefined;
      if (observation && geometry?.type === 'LineString') {
        line = lineToWgs84(geometry.coordinates, crs);
        geometry = { type: 'Point', coordinates: midpoint(geometry.coordinates) };
      }
      const c = check(ctx, { ...f, geometry }, crs);
      if (!c.ok) return (reject(ctx, 'f', idx, sid, c.reason), true);
      if (geometry?.type !== 'Point')
        return (
          reject(
            ctx,
            'f',
            idx,
            sid,
            `sensors need points (or, with readings, lines); got ${geometry?.type}`,
          ),
          true
        );
      if (seen.has(sid))
        return (reject(ctx, 'f', idx, sid, `external_id ${sid} appears twice in the file`), true);
      seen.add(sid);
      const kind = String(m('kind') ?? pick(p, 'kind', 'type') ?? DEFAULT_SENSOR_KIND)
        .toLowerCase()
        .replace(/[^a-z0-9_]/g, '_');
      if (!/^[a-z][a-z0-9_]{0,39}$/.test(kind))
        return (
          reject(ctx, 'f', idx, sid, `sensor kind "${kind}" must be a lower-case word`),
          true
        );
      const reference = toNumber(m('reference_value') ?? pick(p, 'reference_value'));
      const interval = toNumber(m('interval_s') ?? pick(p, 'interval_s'));
      const name = m('name') ?? pick(p, 'name');
      accept(ctx, 'f', idx, sid, c.geom, {
        kind,
        unit: String(m('unit') ?? pick(p, 'unit') ?? ''),
        name: name === null ? null : String(name),
        reference_value: reference !== null && reference > 0 ? reference : null,
        interval_s: interval !== null && interval > 0 ? Math.round(interval) : 60,
        attributes: observation
          ? { ...(line ? { geometry: { type: 'LineString', coordinates: line } } : {}) }
          : attributesOf(p),
      } satisfies StagedValues<'sensors'>);
      return true;
    },
    finish() {},
    summary: () => (readings.staged || readings.rejected ? { readings } : {}),
  };
}
