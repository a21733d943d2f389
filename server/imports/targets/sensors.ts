import { toNumber } from '../expressions';
import { accept, attributesOf, check, mapped, pick, reject, sourceIdOf, type Target, type TargetContext } from './target';

/** Kind given to sensors whose source names none (METR-LA loop detectors measure speed). */
export const DEFAULT_SENSOR_KIND = 'traffic_speed';

/**
 * Sensors registry: points with external_id (`sensor_id`, `id`, or --map source_id=…), kind,
 * unit, name, reference_value and interval_s. The external id is the upsert key.
 */
export function sensorsTarget(ctx: TargetContext): Target {
  const seen = new Set<string>();
  return {
    feature(f, idx, crs) {
      const p = f.properties;
      const m = (field: string) => mapped(ctx, field, p);
      const external = m('external_id') ?? m('source_id') ?? pick(p, 'external_id', 'sensor_id') ?? sourceIdOf(ctx, f) ?? `sensor-${idx}`;
      const sid = String(external).slice(0, 200);
      const c = check(ctx, f, crs);
      if (!c.ok) return reject(ctx, 'f', idx, sid, c.reason), true;
      if (f.geometry?.type !== 'Point') return reject(ctx, 'f', idx, sid, `sensors need points; got ${f.geometry?.type}`), true;
      if (seen.has(sid)) return reject(ctx, 'f', idx, sid, `external_id ${sid} appears twice in the file`), true;
      seen.add(sid);
      const kind = String(m('kind') ?? pick(p, 'kind', 'type') ?? DEFAULT_SENSOR_KIND).toLowerCase().replace(/[^a-z0-9_]/g, '_');
      if (!/^[a-z][a-z0-9_]{0,39}$/.test(kind)) return reject(ctx, 'f', idx, sid, `sensor kind "${kind}" must be a lower-case word`), true;
      const reference = toNumber(m('reference_value') ?? pick(p, 'reference_value'));
      const interval = toNumber(m('interval_s') ?? pick(p, 'interval_s'));
      const name = m('name') ?? pick(p, 'name');
      accept(ctx, 'f', idx, sid, c.ewkt, {
        kind,
        unit: String(m('unit') ?? pick(p, 'unit') ?? ''),
        name: name === null ? null : String(name),
        reference_value: reference !== null && reference > 0 ? reference : null,
        interval_s: interval !== null && interval > 0 ? Math.round(interval) : 60,
        attributes: attributesOf(p),
      });
      return true;
    },
    finish() {},
    summary: () => ({}),
  };
}
