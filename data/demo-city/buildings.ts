import { BlockPacker, frontageFootprint, type Footprint, type Frontage } from './block-packer';
import { describeBuilding, type BuildingInfo } from './building-types';
import type { CityPlan } from './city-plan';
import type { District } from './districts';
import type { Position } from './geometry';
import { EXCLUSIVE_LANDMARKS, placeLandmark } from './landmark-buildings';
import type { Rng } from './prng';

export interface PlannedBuilding {
  /** One polygon: exterior ring CCW (open), then holes CW, in grid-frame metres. */
  readonly rings: Position[][];
  readonly info: BuildingInfo;
}

type Range = readonly [number, number];

/** Perimeter-block layout: footprint sizes in metres and the chance of an L-shaped corner. */
interface PerimeterSpec {
  width: Range;
  depth: Range;
  setback: Range;
  gap: number;
  lShape: number;
  /** Frontages to build on; 0 and 2 (east–west streets) own the corners. */
  sides: readonly number[];
}

const PERIMETER: Partial<Record<District, PerimeterSpec>> = {
  core: {
    width: [24, 42],
    depth: [18, 28],
    setback: [0.5, 1.5],
    gap: 3,
    lShape: 0.15,
    sides: [0, 2, 1, 3],
  },
  mid: {
    width: [14, 26],
    depth: [11, 16],
    setback: [0, 1],
    gap: 1.2,
    lShape: 0.35,
    sides: [0, 2, 1, 3],
  },
  industrial: {
    width: [30, 80],
    depth: [22, 38],
    setback: [6, 10],
    gap: 8,
    lShape: 0.1,
    sides: [0, 2],
  },
};

/**
 * Fills every built-up block: its landmark first, then footprints along the street frontages,
 * as perimeter blocks (core, mid-rise ring, industrial sheds) or detached houses on lots
 * (suburbs). Parks, farmland and the river stay empty.
 */
export function buildBuildings(rng: Rng, plan: CityPlan): PlannedBuilding[] {
  const out: PlannedBuilding[] = [];
  for (const cell of plan.cells.flat()) {
    if (cell.park || cell.district === 'rural') continue;
    const packer = BlockPacker.forCell(plan, cell);
    if (!packer) continue;
    const r = rng.fork(`block:${cell.a},${cell.b}`);
    const radius = Math.hypot(cell.centre[0], cell.centre[1]);
    const emit = (footprint: Footprint) =>
      out.push({ rings: footprint.rings, info: describeBuilding(r, cell.district, radius) });

    if (cell.landmark) {
      const placed = placeLandmark(r, cell.landmark, cell.district, packer);
      if (placed) out.push({ rings: placed.footprint.rings, info: placed.info });
      if (EXCLUSIVE_LANDMARKS.has(cell.landmark.kind)) continue;
    }
    const spec = PERIMETER[cell.district];
    if (spec) perimeterBlock(r, packer, spec, emit);
    else houses(r, packer, emit);
  }
  return out;
}

function perimeterBlock(
  rng: Rng,
  packer: BlockPacker,
  spec: PerimeterSpec,
  emit: (f: Footprint) => void,
): void {
  const cornerSides = spec.sides.includes(0);
  for (const side of spec.sides) {
    const f = packer.frontages[side]!;
    const ownsCorners = side % 2 === 0 || !cornerSides;
    const reserve = ownsCorners ? 1 : spec.depth[1] + spec.setback[1] + spec.gap;
    const end = f.length - reserve;
    let s = reserve;
    let first = true;
    while (end - s >= spec.width[0]) {
      const width = Math.min(rng.range(...spec.width), end - s);
      const depth = rng.range(...spec.depth);
      const last = end - s - width < spec.width[0];
      let wing: { from: number; to: number; depth: number } | undefined;
      if (ownsCorners && (first || last) && rng.chance(spec.lShape)) {
        const ww = width * rng.range(0.35, 0.5);
        const wd = depth * rng.range(0.5, 1);
        wing = first ? { from: 0, to: ww, depth: wd } : { from: width - ww, to: width, depth: wd };
      }
      const footprint = frontageFootprint(f, s, width, rng.range(...spec.setback), depth, wing);
      if (packer.tryAdd(footprint, spec.gap)) {
        emit(footprint);
        s += width + spec.gap;
      } else {
        s += 3;
      }
      first = false;
    }
  }
}

/** Detached houses (~8–11 × 9–13 m) on 18–26 m lots facing the east–west streets. */
function houses(rng: Rng, packer: BlockPacker, emit: (f: Footprint) => void) {
  for (const side of [0, 2]) {
    const f: Frontage = packer.frontages[side]!;
    for (let s = 2; ;) {
      const lot = Math.min(rng.range(18, 26), f.length - 2 - s);
      if (lot < 16) break;
      if (!rng.chance(0.08)) {
        const width = rng.range(8, Math.min(11.5, lot - 5));
        const depth = rng.range(9, 13);
        const offset = (lot - width) * rng.range(0.3, 0.7);
        let wing: { from: number; to: number; depth: number } | undefined;
        if (rng.chance(0.2)) {
          const ww = rng.range(4, 5.5);
          const wd = rng.range(3.5, 6);
          const left = rng.chance(0.5);
          wing = { from: left ? 0 : width - ww, to: left ? ww : width, depth: wd };
        }
        const footprint = frontageFootprint(f, s + offset, width, rng.range(5, 8), depth, wing);
        if (packer.tryAdd(footprint, 2)) emit(footprint);
      }
      s += lot;
    }
  }
}
