import { normalize, pointSegmentDistance, type Position } from './geometry';
import type { Rng } from './prng';

/** Spacing of the centreline samples, metres. */
const STEP = 20;
/** Distances up to this are exact; beyond it {@link River.distance} may overestimate. */
const EXACT_WITHIN = 600;

/**
 * A sinuous river crossing the city roughly west to east, in the street-grid frame (metres).
 * Its centreline is a function v(u), so every north–south street crosses it exactly once.
 */
export interface River {
  readonly name: string;
  /** Centreline v (north offset) at u. */
  centre(u: number): number;
  /** Half the water width at u, metres (the river is ~100–150 m wide). */
  halfWidth(u: number): number;
  /** Distance from p to the centreline, metres. */
  distance(p: Position): number;
  /** Distance from p to the nearest bank; negative in the water. */
  bankDistance(p: Position): number;
  /** The water surface as a closed counter-clockwise ring, reaching `extent` past the city. */
  polygon(): Position[];
}

const RIVER_NAMES = ['River Wend', 'River Amber', 'River Lune', 'River Sorrel', 'River Brent'];

export function createRiver(rng: Rng, halfExtent: number): River {
  const a1 = rng.range(380, 470);
  const k1 = (2 * Math.PI) / rng.range(5000, 6400);
  const p1 = rng.range(0, 2 * Math.PI);
  const a2 = rng.range(80, 120);
  const k2 = (2 * Math.PI) / rng.range(1500, 2000);
  const p2 = rng.range(0, 2 * Math.PI);
  const kw = (2 * Math.PI) / rng.range(1500, 2200);
  const pw = rng.range(0, 2 * Math.PI);
  // The river passes 550–750 m south of the centre: the old core grew on its north bank.
  const offset = -rng.range(550, 750) - a1 * Math.sin(p1) - a2 * Math.sin(p2);
  const name = rng.pick(RIVER_NAMES);

  const centre = (u: number) => offset + a1 * Math.sin(k1 * u + p1) + a2 * Math.sin(k2 * u + p2);
  const halfWidth = (u: number) => 62 + 11 * Math.sin(kw * u + pw);

  const u0 = -halfExtent - 800;
  const samples: Position[] = [];
  for (let u = u0; u <= halfExtent + 800; u += STEP) samples.push([u, centre(u)]);

  const distance = (p: Position) => {
    const window = Math.ceil(EXACT_WITHIN / STEP);
    const mid = Math.round((p[0] - u0) / STEP);
    const from = Math.max(0, mid - window);
    const to = Math.min(samples.length - 1, mid + window);
    let best = Infinity;
    for (let i = from; i < to; i++) {
      best = Math.min(best, pointSegmentDistance(p, samples[i]!, samples[i + 1]!));
    }
    return best === Infinity ? Math.abs(p[1] - centre(p[0])) : best;
  };

  const polygon = () => {
    const south: Position[] = [];
    const north: Position[] = [];
    for (const [u, v] of samples) {
      const slope = (centre(u + 1) - centre(u - 1)) / 2;
      const [nx, ny] = normalize([-slope, 1]);
      const hw = halfWidth(u);
      south.push([u - nx * hw, v - ny * hw]);
      north.push([u + nx * hw, v + ny * hw]);
    }
    return [...south, ...north.reverse(), south[0]!];
  };

  return {
    name,
    centre,
    halfWidth,
    distance,
    bankDistance: (p) => distance(p) - halfWidth(p[0]),
    polygon,
  };
}
