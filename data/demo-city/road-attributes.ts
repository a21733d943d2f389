import type { Cell, CityPlan } from './city-plan';
import type { StreetClass } from './grid';
import type { Rng } from './prng';

/** Design speeds, km/h, in town and (for through roads) out in the farmland. */
const SPEED: Record<StreetClass, { town: number; rural: number }> = {
  arterial: { town: 50, rural: 70 },
  collector: { town: 40, rural: 60 },
  local: { town: 30, rural: 30 },
};

/**
 * Saturation flow per lane, vehicles/hour: ~900 on signalised arterials, less on collectors
 * and local streets with parking and frequent junctions (HCM-style planning values).
 */
const CAPACITY_PER_LANE: Record<StreetClass, number> = {
  arterial: 900,
  collector: 800,
  local: 600,
};

export interface RoadAttributes {
  name: string;
  /** Lanes per direction of travel. */
  lanes: number;
  speedKmh: number;
  /** Vehicles per hour per direction. */
  capacity: number;
  oneway: boolean;
  /** Whether the link runs against the grid order (north→south or east→west). */
  reverse: boolean;
}

/**
 * Attributes that stay consistent along a street line: its name, lanes (arterials 2–3 per
 * direction, collectors 1–2, locals 1), and for about a fifth of the local streets in the
 * dense districts a one-way direction, alternating between neighbouring one-way lines.
 */
export function roadAttributes(rng: Rng, plan: CityPlan) {
  return (line: string, cls: StreetClass, beside: readonly Cell[]): RoadAttributes => {
    const [dir, indexText] = line.split(':') as ['col' | 'row', string];
    const index = Number(indexText);
    const axis = dir === 'col' ? 0 : 1;
    const pick = rng.at(axis, index, 1);
    const lanes =
      cls === 'arterial' ? (pick < 0.4 ? 3 : 2) : cls === 'collector' ? (pick < 0.35 ? 2 : 1) : 1;
    const rural = beside.length > 0 && beside.every((c) => c.district === 'rural');
    const dense =
      beside.length > 0 && beside.every((c) => c.district === 'core' || c.district === 'mid');
    const oneway = cls === 'local' && dense && rng.at(axis, index, 2) < 0.22;
    return {
      name: dir === 'col' ? plan.names.col(index) : plan.names.row(index),
      lanes,
      speedKmh: rural ? SPEED[cls].rural : SPEED[cls].town,
      capacity: CAPACITY_PER_LANE[cls] * lanes,
      oneway,
      reverse: oneway && index % 2 === 1,
    };
  };
}
