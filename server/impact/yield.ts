import type { YieldFigures } from '../../common/scenario-types';
import { USES, type FactorSet, type Use } from './factors';

/** A building as the yield model sees it. Floors win over height when both are known. */
export interface YieldInput {
  /** Footprint area on the ground, m² (not mercator units). */
  footprintM2: number;
  floors?: number | null;
  heightM?: number | null;
  /** Shares of gross floor area by use; they are normalised to sum to 1. */
  uses: Partial<Record<Use, number>>;
}

export type { YieldFigures };

export interface BuildingYield extends YieldFigures {
  floors: number;
  height_m: number;
  /** GFA by use, m². */
  gfa_by_use: Partial<Record<Use, number>>;
  /** Factor keys this result used. */
  factors: string[];
}

export const ZERO_YIELD: Readonly<YieldFigures> = {
  gfa_m2: 0,
  nia_m2: 0,
  dwellings: 0,
  residents: 0,
  jobs: 0,
};

/** The main use: the one with the largest share (ties: the first in USES). */
export function mainUse(uses: Partial<Record<Use, number>>): Use {
  let best: Use = 'other';
  let share = -1;
  for (const u of USES) {
    const s = uses[u] ?? 0;
    if (s > share) [best, share] = [u, s];
  }
  return best;
}

/** `use` column of `buildings` → a use mix; `mixed` splits by the `mixed.share_*` factors. */
export function useMix(use: string, factors: FactorSet): Partial<Record<Use, number>> {
  if (use === 'mixed') {
    return {
      residential: factors.get('mixed.share_residential'),
      retail: factors.get('mixed.share_retail'),
    };
  }
  return { [(USES as readonly string[]).includes(use) ? (use as Use) : 'other']: 1 };
}

/** Storeys of a building: given floors, else height ÷ the main use's storey height (at least 1). */
export function floorsOf(input: YieldInput, factors: FactorSet): number {
  if (input.floors && input.floors > 0) return Math.round(input.floors);
  const storey = factors.get(`${mainUse(input.uses)}.storey_height_m`);
  return Math.max(1, Math.floor((input.heightM ?? storey) / storey + 1e-9));
}

/**
 * GFA = footprint × floors (or height ÷ storey height); per use NIA = GFA × net efficiency,
 * dwellings = residential NIA ÷ dwelling size, residents = dwellings × household size,
 * jobs = non-residential NIA ÷ m² per job. Fractional results are kept (they are totals).
 */
export function buildingYield(input: YieldInput, factors: FactorSet): BuildingYield {
  const floors = floorsOf(input, factors);
  const main = mainUse(input.uses);
  const used = new Set<string>();
  if (!(input.floors && input.floors > 0)) used.add(`${main}.storey_height_m`);
  const heightM = input.heightM ?? floors * factors.get(`${main}.storey_height_m`);
  const gfa = Math.max(0, input.footprintM2) * floors;
  const total = USES.reduce((s, u) => s + Math.max(0, input.uses[u] ?? 0), 0) || 1;

  const out: BuildingYield = {
    ...ZERO_YIELD,
    floors,
    height_m: heightM,
    gfa_by_use: {},
    factors: [],
  };
  out.gfa_m2 = gfa;
  for (const use of USES) {
    const share = Math.max(0, input.uses[use] ?? 0) / total;
    if (share === 0) continue;
    const useGfa = gfa * share;
    const nia = useGfa * factors.get(`${use}.net_efficiency`);
    used.add(`${use}.net_efficiency`);
    out.gfa_by_use[use] = useGfa;
    out.nia_m2 += nia;
    if (use === 'residential') {
      const dwellings = nia / factors.get('residential.dwelling_size_m2');
      out.dwellings += dwellings;
      out.residents += dwellings * factors.get('residential.household_size');
      used.add('residential.dwelling_size_m2').add('residential.household_size');
    } else {
      out.jobs += nia / factors.get(`${use}.m2_per_job`);
      used.add(`${use}.m2_per_job`);
    }
  }
  out.factors = [...used];
  return out;
}

export function addYield(a: YieldFigures, b: YieldFigures, sign = 1): YieldFigures {
  return {
    gfa_m2: a.gfa_m2 + sign * b.gfa_m2,
    nia_m2: a.nia_m2 + sign * b.nia_m2,
    dwellings: a.dwellings + sign * b.dwellings,
    residents: a.residents + sign * b.residents,
    jobs: a.jobs + sign * b.jobs,
  };
}

/** Peak-hour vehicle trips a building generates (before the urban car factor). */
export function peakTrips(y: BuildingYield, factors: FactorSet): number {
  let trips = y.dwellings * factors.get('residential.peak_trips_per_dwelling');
  for (const use of USES) {
    if (use === 'residential') continue;
    const gfa = y.gfa_by_use[use] ?? 0;
    if (gfa > 0) trips += (gfa / 100) * factors.get(`${use}.peak_trips_per_100m2`);
  }
  return trips * factors.get('traffic.urban_car_factor');
}

/** Peak water demand, l/s: (residents × l/resident/day + jobs × l/job/day) × peak ÷ 86 400. */
export function waterDemandLs(y: YieldFigures, factors: FactorSet): number {
  const daily =
    y.residents * factors.get('water.l_per_resident_day') +
    y.jobs * factors.get('water.l_per_job_day');
  return (daily * factors.get('water.peak_factor')) / 86_400;
}

/** Peak power demand, kVA: Σ GFA by use × W/m² ÷ 1000 ÷ power factor. */
export function powerDemandKva(y: BuildingYield, factors: FactorSet): number {
  let kw = 0;
  for (const use of USES) {
    const gfa = y.gfa_by_use[use] ?? 0;
    if (gfa > 0) kw += (gfa * factors.get(`power.${use}_w_per_m2`)) / 1000;
  }
  return kw / factors.get('power.power_factor');
}
