import type { StagedValues } from '../../../schema/columns';
import { parseSpeed, toNumber } from '../expressions';
import type { RoadClass } from '../../../schema/database';
import { mapValue, ROAD_CLASS_MAP, ValueMapper } from '../../../common/value-maps';
import { NetworkStager } from './network-target';
import { clampInt, mapped, pick, attributesOf, type Target, type TargetContext } from './target';

/** Defaults by class when the source has no lanes / maxspeed: lanes per direction, km/h, veh/h per lane. */
const DEFAULTS: Record<RoadClass, { lanes: number; speed: number; perLane: number }> = {
  motorway: { lanes: 2, speed: 100, perLane: 2000 },
  trunk: { lanes: 2, speed: 80, perLane: 1800 },
  arterial: { lanes: 2, speed: 50, perLane: 900 },
  collector: { lanes: 1, speed: 50, perLane: 800 },
  local: { lanes: 1, speed: 30, perLane: 600 },
  service: { lanes: 1, speed: 20, perLane: 300 },
};

/** The twin's class for a source value (OSM `highway=*`; unknown values become `local`). */
export function roadClass(v: unknown): RoadClass {
  return mapValue(ROAD_CLASS_MAP, v).value;
}

/**
 * Roads: lines become a routable graph (road_nodes, road_links split at shared nodes) with
 * class (from OSM `highway` or `class`), lanes, speed_limit_kmh (from `maxspeed`, mph
 * understood), oneway (`yes`/`-1`; motorways and roundabouts are one-way) and capacity.
 */
export function roadsTarget(ctx: TargetContext): Target {
  const net = new NetworkStager(ctx);
  const values = new ValueMapper();
  return {
    feature(f, idx, crs) {
      if (f.group && f.group !== 'highway') return false;
      const p = f.properties;
      const m = (field: string) => mapped(ctx, field, p);
      if (f.geometry?.type === 'Point') {
        net.point(f, idx, crs, {
          attributes: attributesOf(p),
        } satisfies StagedValues<'road_nodes'>);
        return true;
      }
      const cls = values.map(ROAD_CLASS_MAP, m('class') ?? pick(p, ...ROAD_CLASS_MAP.sources));
      const d = DEFAULTS[cls];
      const lanesRaw = m('lanes') ?? String(pick(p, 'lanes') ?? '').split(';')[0];
      const lanes = clampInt(lanesRaw, 1, 12) ?? d.lanes;
      const speed = toNumber(
        m('speed_limit_kmh') ?? parseSpeed(pick(p, 'maxspeed', 'speed_limit_kmh', 'speed')),
      );
      const onewayTag = String(m('oneway') ?? pick(p, 'oneway') ?? '').toLowerCase();
      const oneway =
        ['yes', 'true', '1', '-1'].includes(onewayTag) ||
        (onewayTag === '' && (cls === 'motorway' || p.junction === 'roundabout'));
      const capacity = toNumber(m('capacity_veh_h')) ?? lanes * d.perLane;
      const name = m('name') ?? pick(p, 'name');
      const row = {
        class: cls,
        name: name === null ? null : String(name).slice(0, 500),
        lanes,
        speed_limit_kmh: speed !== null && speed > 0 && speed <= 200 ? speed : d.speed,
        capacity_veh_h: capacity > 0 ? capacity : lanes * d.perLane,
        oneway,
        attributes: attributesOf(p),
      } satisfies StagedValues<'road_links'>;
      net.line(f, idx, crs, { ...row, reverse: onewayTag === '-1' });
      return true;
    },
    finish: () => net.finish(() => ({ attributes: {} }) satisfies StagedValues<'road_nodes'>),
    summary: () => ({ unmapped: values.unmapped() }),
  };
}
