import type { StagedValues } from '../../../schema/columns';
import { toNumber } from '../expressions';
import { POWER_NODE_KIND_MAP, ValueMapper } from '../../../common/value-maps';
import { NetworkStager } from './network-target';
import {
  attributesOf,
  check,
  mapped,
  pick,
  reject,
  sourceIdOf,
  type Target,
  type TargetContext,
} from './target';

/** Voltage given to a line the source gives none for (kV), flagged in attributes. */
export const DEFAULT_VOLTAGE_KV = 11;

/** OSM `voltage` is in volts and may list several circuits (`110000;20000`): the highest, in kV. */
export function voltageKv(v: unknown): number | null {
  if (v === null || v === undefined) return null;
  const values = String(v)
    .split(/[;,]/)
    .map((s) => toNumber(s.trim()))
    .filter((n): n is number => n !== null && n > 0);
  if (!values.length) return null;
  const max = Math.max(...values);
  return max > 1000 ? max / 1000 : max;
}

/**
 * Power: lines (OSM power=line/minor_line/cable) become power_lines with voltage_kv and an
 * estimated capacity (√3 · kV · 400 A); towers and poles become pole nodes; substations
 * (points or polygons, placed at their centre) become substation nodes.
 */
export function powerTarget(ctx: TargetContext): Target {
  const net = new NetworkStager(ctx);
  const values = new ValueMapper();
  return {
    feature(f, idx, crs) {
      if (f.group && f.group !== 'power') return false;
      const p = f.properties;
      const m = (field: string) => mapped(ctx, field, p);
      const name = m('name') ?? pick(p, 'name');
      const voltage = toNumber(m('voltage_kv')) ?? voltageKv(pick(p, 'voltage_kv', 'voltage'));
      const t = f.geometry?.type;
      if (t === 'Point' || t === 'Polygon' || t === 'MultiPolygon') {
        let at: [number, number] | undefined;
        if (t !== 'Point') {
          const c = check(ctx, f, crs);
          if (!c.ok) return (reject(ctx, 'n', idx, sourceIdOf(ctx, f), c.reason), true);
          at = [(c.bbox[0] + c.bbox[2]) / 2, (c.bbox[1] + c.bbox[3]) / 2];
        }
        net.point(
          f,
          idx,
          crs,
          {
            kind: values.map(
              POWER_NODE_KIND_MAP,
              m('kind') ?? (t === 'Point' ? pick(p, ...POWER_NODE_KIND_MAP.sources) : 'substation'),
            ),
            name: name === null ? null : String(name),
            voltage_kv: voltage,
            capacity_kva: toNumber(m('capacity_kva') ?? pick(p, 'capacity_kva')),
            attributes: attributesOf(p),
          } satisfies StagedValues<'power_nodes'>,
          at,
        );
        return true;
      }
      const kv = voltage !== null && voltage > 0 ? voltage : DEFAULT_VOLTAGE_KV;
      net.line(f, idx, crs, {
        voltage_kv: kv,
        capacity_kva: toNumber(m('capacity_kva')) ?? Math.round(Math.sqrt(3) * kv * 400),
        name: name === null ? null : String(name),
        attributes: { ...attributesOf(p), ...(voltage === null ? { voltage_assumed: true } : {}) },
      } satisfies StagedValues<'power_lines'>);
      return true;
    },
    finish: () =>
      net.finish(
        () =>
          ({
            kind: 'pole',
            name: null,
            voltage_kv: null,
            capacity_kva: null,
            attributes: { generated: true },
          }) satisfies StagedValues<'power_nodes'>,
      ),
    summary: () => ({ unmapped: values.unmapped() }),
  };
}
