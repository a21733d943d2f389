import type { StagedValues } from '../../../schema/columns';
import { toNumber } from '../expressions';
import { ValueMapper, WATER_NODE_KIND_MAP } from '../../../common/value-maps';
import { NetworkStager } from './network-target';
import { attributesOf, mapped, pick, type Target, type TargetContext } from './target';

/** Design velocity for a pipe's capacity (m/s), as the demo city uses. */
export const DESIGN_VELOCITY_M_S = 1;
/** Diameter given to a pipe the source gives none for (mm), flagged in attributes. */
export const DEFAULT_DIAMETER_MM = 150;

/**
 * Water: points become nodes (kind junction/tank/reservoir/pump, elevation_m, capacity_m3);
 * lines become pipes between nodes (matched by EPANET node name or by position), with
 * diameter_mm (a `diameter` below 5 is taken as metres) and capacity at 1 m/s.
 */
export function waterTarget(ctx: TargetContext): Target {
  const net = new NetworkStager(ctx);
  const values = new ValueMapper();
  return {
    feature(f, idx, crs) {
      if (f.group && f.group !== 'water') return false;
      const p = f.properties;
      const m = (field: string) => mapped(ctx, field, p);
      const name = m('name') ?? pick(p, 'name', 'id');
      if (f.geometry?.type === 'Point' || (f.problem && f.nodeKey)) {
        net.point(f, idx, crs, {
          kind: values.map(
            WATER_NODE_KIND_MAP,
            m('kind') ?? pick(p, ...WATER_NODE_KIND_MAP.sources),
          ),
          name: name === null ? null : String(name),
          elevation_m: toNumber(m('elevation_m') ?? pick(p, 'elevation_m', 'elevation', 'elev')),
          capacity_m3: nonNegative(toNumber(m('capacity_m3') ?? pick(p, 'capacity_m3'))),
          attributes: attributesOf(p),
        } satisfies StagedValues<'water_nodes'>);
        return true;
      }
      let diameter = toNumber(m('diameter_mm') ?? pick(p, 'diameter_mm'));
      if (diameter === null) {
        const raw = toNumber(pick(p, 'diameter', 'dia'));
        diameter = raw === null ? null : raw < 5 ? raw * 1000 : raw;
      }
      const assumed = diameter === null || diameter <= 0;
      const d = assumed ? DEFAULT_DIAMETER_MM : diameter!;
      net.line(f, idx, crs, {
        diameter_mm: d,
        material: (m('material') ?? pick(p, 'material')) as string | null,
        capacity_l_s:
          toNumber(m('capacity_l_s')) ?? Math.PI * (d / 2000) ** 2 * DESIGN_VELOCITY_M_S * 1000,
        attributes: { ...attributesOf(p), ...(assumed ? { diameter_assumed: true } : {}) },
      } satisfies StagedValues<'water_pipes'>);
      return true;
    },
    finish: () =>
      net.finish(
        () =>
          ({
            kind: 'junction',
            name: null,
            elevation_m: null,
            capacity_m3: null,
            attributes: { generated: true },
          }) satisfies StagedValues<'water_nodes'>,
      ),
    summary: () => ({ unmapped: values.unmapped() }),
  };
}

function nonNegative(v: number | null): number | null {
  return v !== null && v >= 0 ? v : null;
}
