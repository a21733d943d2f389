import type { BuildingUse } from '../../common/city-classes';
import { CORE_RADIUS, MID_RADIUS, URBAN_RADIUS, type District } from './districts';
import type { Rng } from './prng';

/** Everything about a building but its footprint. */
export interface BuildingInfo {
  height_m: number;
  levels: number | null;
  use: BuildingUse;
  name: string | null;
  year_built: number;
  attributes: Record<string, unknown>;
}

/** Storey heights, metres: office floors ~3.6 m over a ~4.5 m lobby; homes ~3.1 m. */
const OFFICE_GROUND = 4.5;
const OFFICE_FLOOR = 3.6;
const HOME_FLOOR = 3.1;
const SHOP_GROUND = 4.2;

const TOWER_USES: BuildingUse[] = ['office', 'office', 'office', 'mixed', 'mixed', 'retail'];

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const tenth = (x: number) => Math.round(x * 10) / 10;

/**
 * Height, levels, use and age for an ordinary building of a district, `r` metres from the
 * centre: towers rising towards the centre of the core, a 4–10 storey ring, 1–3 storey houses
 * getting newer towards the edge, and low industrial sheds.
 */
export function describeBuilding(rng: Rng, district: District, r: number): BuildingInfo {
  switch (district) {
    case 'core': {
      if (rng.chance(0.78)) {
        const top = 60 + 120 * clamp(1 - r / CORE_RADIUS, 0, 1);
        const target = 40 + (top - 40) * rng.next() ** 1.7;
        const levels = Math.max(11, Math.round((target - OFFICE_GROUND) / OFFICE_FLOOR) + 1);
        const use = rng.pick(TOWER_USES);
        return {
          height_m: tenth(OFFICE_GROUND + OFFICE_FLOOR * (levels - 1) + rng.range(0, 3)),
          levels,
          use,
          name: null,
          year_built: rng.int(1968, 2024),
          attributes: { district, roof: 'flat' },
        };
      }
      const levels = rng.int(5, 9);
      return {
        height_m: tenth(SHOP_GROUND + 3.4 * (levels - 1) + rng.range(0, 1.5)),
        levels,
        use: rng.pick<BuildingUse>(['mixed', 'mixed', 'retail', 'office']),
        name: null,
        year_built: rng.int(1880, 1960),
        attributes: {
          district,
          roof: rng.chance(0.5) ? 'pitched' : 'flat',
          ground_floor: 'retail',
        },
      };
    }
    case 'mid': {
      const t = clamp((r - CORE_RADIUS) / (MID_RADIUS - CORE_RADIUS), 0, 1);
      const levels = clamp(Math.round(9.5 - 5 * t + rng.range(-1.5, 1.5)), 4, 10);
      const roll = rng.next();
      const use: BuildingUse =
        roll < 0.64 ? 'residential' : roll < 0.92 ? 'mixed' : roll < 0.97 ? 'retail' : 'office';
      const shopFront = use !== 'residential';
      const height = shopFront
        ? SHOP_GROUND + HOME_FLOOR * (levels - 1)
        : HOME_FLOOR * levels + 0.5;
      const infill = rng.chance(0.15);
      return {
        height_m: tenth(height + rng.range(0, 1)),
        levels,
        use,
        name: null,
        year_built: infill ? rng.int(1990, 2023) : rng.int(1885, 1975),
        attributes: shopFront
          ? { district, roof: 'flat', ground_floor: 'retail' }
          : { district, roof: rng.chance(0.5) ? 'pitched' : 'flat' },
      };
    }
    case 'industrial': {
      const height = rng.range(8, 15);
      return {
        height_m: tenth(height),
        levels: Math.max(2, Math.round(height / 4.5)),
        use: 'industrial',
        name: null,
        year_built: rng.int(1955, 2015),
        attributes: { district, roof: 'flat' },
      };
    }
    default: {
      const roll = rng.next();
      const levels = roll < 0.2 ? 1 : roll < 0.85 ? 2 : 3;
      const pitched = rng.chance(0.85);
      const t = clamp((r - MID_RADIUS) / (URBAN_RADIUS - MID_RADIUS), 0, 1);
      return {
        height_m: tenth(3 * levels + (pitched ? rng.range(1, 2.5) : rng.range(0.3, 0.8))),
        levels,
        use: rng.chance(0.97) ? 'residential' : 'retail',
        name: null,
        year_built: clamp(Math.round(1950 + 55 * t + rng.range(-8, 14)), 1945, 2024),
        attributes: { district, roof: pitched ? 'pitched' : 'flat' },
      };
    }
  }
}
