import { distance, type Position } from './geometry';
import type { StreetGrid } from './grid';
import { baseZones, createDistricts, type Zone } from './districts';
import type { Rng } from './prng';
import type { River } from './river';
import type { StreetNames } from './street-names';
import { placeLandmarks } from './landmarks';
import type { Cell, CityPlan } from './plan-types';

export type { Cell, CityPlan };

const PARK_NAMES = [
  'Victoria Park',
  'Linden Park',
  'Beacon Hill Park',
  'Millbrook Park',
  'Oak Park',
  'Willow Gardens',
  'Castle Green',
  'Heron Park',
  'Kingsmead',
  'Orchard Park',
  'Hazel Common',
];

/** Park sizes in cells (columns × rows); the first, largest, is the city's main park. */
const PARK_SIZES: [number, number][] = [
  [3, 4],
  [3, 3],
  [2, 3],
  [2, 2],
  [2, 2],
  [3, 2],
  [2, 2],
  [2, 2],
];

/**
 * Lays out the city on the grid: a district and land-use zone for every cell, a riverside park
 * through the centre, a handful of neighbourhood parks and the blocks of the civic landmarks.
 */
export function createCityPlan(
  rng: Rng,
  grid: StreetGrid,
  river: River,
  names: StreetNames,
): CityPlan {
  const districtAt = createDistricts(rng.fork('districts'), grid, river);
  const cells: Cell[][] = [];
  for (let a = 0; a < grid.cols.length - 1; a++) {
    const column: Cell[] = [];
    for (let b = 0; b < grid.rows.length - 1; b++) {
      const centre = grid.cellCentre(a, b);
      const { district, zone } = districtAt(centre);
      column.push({ a, b, centre, district, zone, park: false, landmark: null });
    }
    cells.push(column);
  }
  const cell = (a: number, b: number) => cells[a]?.[b];
  const plan: CityPlan = { grid, river, names, zones: baseZones(), cells, cell };
  placeParks(rng.fork('parks'), plan);
  placeLandmarks(rng.fork('landmarks'), plan);
  return plan;
}

/** Riverside Park along both banks through the core and mid-rise ring, then the others. */
function placeParks(rng: Rng, plan: CityPlan): void {
  const { cells, cell, river } = plan;
  const zones = plan.zones as Zone[];
  zones.push({ key: 'park:riverside', class: 'park', name: 'Riverside Park', maxHeight: null });
  for (const c of cells.flat()) {
    if ((c.district === 'core' || c.district === 'mid') && river.bankDistance(c.centre) < 75) {
      c.zone = 'park:riverside';
      c.park = true;
    }
  }

  const names = rng.shuffle(PARK_NAMES);
  const centres: Position[] = [];
  PARK_SIZES.forEach(([w, h], i) => {
    for (let attempt = 0; attempt < 200; attempt++) {
      const a0 = rng.int(1, cells.length - w - 1);
      const b0 = rng.int(1, cells[0]!.length - h - 1);
      // The park's cells and the ring of cells around them must all be free.
      const block: Cell[] = [];
      let free = true;
      for (let a = a0 - 1; a <= a0 + w; a++) {
        for (let b = b0 - 1; b <= b0 + h; b++) {
          const c = cell(a, b);
          if (!c || c.park) free = false;
          else if (a >= a0 && a < a0 + w && b >= b0 && b < b0 + h) block.push(c);
        }
      }
      if (!free) continue;
      const wanted = i === 0 ? ['mid'] : ['mid', 'suburb'];
      if (!block.every((c) => wanted.includes(c.district) && river.bankDistance(c.centre) > 150)) {
        continue;
      }
      const centre = block[Math.floor(block.length / 2)]!.centre;
      if (centres.some((p) => distance(p, centre) < 1100)) continue;
      centres.push(centre);
      const key = `park:${i}`;
      zones.push({ key, class: 'park', name: names[i] ?? `Park ${i + 1}`, maxHeight: null });
      for (const c of block) {
        c.zone = key;
        c.park = true;
      }
      break;
    }
  });
}
