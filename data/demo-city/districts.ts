import type { LandUseClass } from '../../common/city-classes';
import type { Position } from './geometry';
import type { StreetGrid } from './grid';
import type { Rng } from './prng';
import type { River } from './river';

export type District = 'core' | 'mid' | 'suburb' | 'industrial' | 'rural';

/** A land-use zone: one `land_use` row, the union of its cells (less the river). */
export interface Zone {
  readonly key: string;
  readonly class: LandUseClass;
  readonly name: string;
  readonly maxHeight: number | null;
}

/** Radii of the district rings, metres from the centre (before the ragged-edge noise). */
export const CORE_RADIUS = 850;
export const MID_RADIUS = 2000;
export const URBAN_RADIUS = 3900;

/** The quadrant a point lies in: N, E, S or W of the centre. */
export function quadrant([u, v]: Position): 'N' | 'E' | 'S' | 'W' {
  if (Math.abs(v) >= Math.abs(u)) return v >= 0 ? 'N' : 'S';
  return u >= 0 ? 'E' : 'W';
}

const QUARTERS = {
  mid: { N: 'Northgate', E: 'Eastgate', S: 'Southgate', W: 'Westgate' },
  suburb: { N: 'Northfield', E: 'Eastwood', S: 'Southmead', W: 'Westbrook' },
} as const;

/** The fixed zones (parks are added by the plan); order is the land_use id order. */
export function baseZones(): Zone[] {
  const zones: Zone[] = [
    { key: 'core', class: 'commercial', name: 'City Centre', maxHeight: 200 },
    { key: 'civic', class: 'civic', name: 'Civic Quarter', maxHeight: 60 },
  ];
  for (const district of ['mid', 'suburb'] as const) {
    for (const q of ['N', 'E', 'S', 'W'] as const) {
      zones.push({
        key: `${district}:${q}`,
        class: district === 'mid' ? 'mixed' : 'residential',
        name: QUARTERS[district][q],
        maxHeight: district === 'mid' ? 40 : 12,
      });
    }
  }
  zones.push(
    { key: 'industrial', class: 'industrial', name: 'Riverside Industrial Estate', maxHeight: 25 },
    { key: 'farmland', class: 'farmland', name: 'Green Belt', maxHeight: null },
    { key: 'forest', class: 'forest', name: 'City Wood', maxHeight: null },
  );
  return zones;
}

/**
 * Classifies every point of the city into a district: a ragged commercial core, a mid-rise
 * ring, suburbs, one industrial sector where the river leaves town, and farmland and a wood
 * in the corners beyond the urban edge.
 */
export function createDistricts(rng: Rng, grid: StreetGrid, river: River) {
  const f1 = rng.range(0, 2 * Math.PI);
  const f2 = rng.range(0, 2 * Math.PI);
  const east = rng.chance(0.5);
  const exitU = east ? 3000 : -3000;
  const industryAngle = Math.atan2(river.centre(exitU), exitU);
  const forestAngle = rng.pick([0.25, 0.75, 1.25, 1.75]) * Math.PI;
  const halfExtent = Math.max(
    Math.abs(grid.cols[0]!.position),
    Math.abs(grid.cols[grid.cols.length - 1]!.position),
  );

  const angleGap = (p: number, q: number) => Math.abs(Math.atan2(Math.sin(p - q), Math.cos(p - q)));

  return function districtAt(p: Position): { district: District; zone: string } {
    const theta = Math.atan2(p[1], p[0]);
    const ragged = 1 + 0.07 * Math.sin(3 * theta + f1) + 0.05 * Math.sin(5 * theta + f2);
    const r = Math.hypot(p[0], p[1]) / ragged;
    if (r < CORE_RADIUS) return { district: 'core', zone: 'core' };
    if (r < MID_RADIUS) return { district: 'mid', zone: `mid:${quadrant(p)}` };
    const urban = URBAN_RADIUS * (halfExtent / 3950);
    if (r >= urban) {
      const zone = angleGap(theta, forestAngle) < 0.5 ? 'forest' : 'farmland';
      return { district: 'rural', zone };
    }
    if (angleGap(theta, industryAngle) < 0.5 && r > MID_RADIUS + 150) {
      return { district: 'industrial', zone: 'industrial' };
    }
    return { district: 'suburb', zone: `suburb:${quadrant(p)}` };
  };
}

export type DistrictAt = ReturnType<typeof createDistricts>;
