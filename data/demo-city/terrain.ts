import type { Position } from './geometry';
import type { Rng } from './prng';
import type { River } from './river';

/** Water level of the river, metres above sea level. */
const RIVER_LEVEL = 2;

/**
 * Ground elevation in metres above sea level: flat by the river, rising gently to ~30 m on the
 * northern edge (where the reservoir sits) and ~15 m in the south, with low rolling swells.
 */
export function createTerrain(rng: Rng, river: River): (p: Position) => number {
  const p1 = rng.range(0, 2 * Math.PI);
  const p2 = rng.range(0, 2 * Math.PI);
  return (p) => {
    const bank = Math.max(0, river.bankDistance(p));
    const north = p[1] > river.centre(p[0]);
    const rise = (north ? 0.0062 : 0.0036) * bank;
    const swell = 1.8 * Math.sin(p[0] / 900 + p1) * Math.cos(p[1] / 1100 + p2);
    const height = RIVER_LEVEL + 0.8 + rise + Math.max(0, swell) * Math.min(1, bank / 300);
    return Math.round(height * 10) / 10;
  };
}
