import { frontageFootprint, type BlockPacker, type Footprint, type Frontage } from './block-packer';
import type { BuildingUse } from '../../common/city-classes';
import type { BuildingInfo } from './building-types';
import type { District } from './districts';
import { insetConvex } from './geometry';
import type { Landmark, LandmarkKind } from './landmarks';
import type { Rng } from './prng';

/** Landmarks that take the whole block (a plaza or schoolyard around them). */
export const EXCLUSIVE_LANDMARKS: ReadonlySet<LandmarkKind> = new Set<LandmarkKind>([
  'city-hall',
  'library',
  'museum',
  'court',
  'concert-hall',
  'cathedral',
  'hospital',
  'school',
]);

interface Shape {
  footprint: Footprint | null;
  use?: BuildingUse;
  /** Null for halls and churches, whose height is not a stack of storeys. */
  levels: number | null;
  height: number;
  year: number;
}

/** Footprint, storeys, height (m) and year of each kind of landmark in its block. */
function shapeOf(rng: Rng, kind: LandmarkKind, packer: BlockPacker): Shape {
  const [south, east, north] = packer.frontages as [Frontage, Frontage, Frontage, Frontage];
  const long = south.length;
  const deep = east.length;
  /** (frontage, along, width, setback, depth, wing?) in metres. */
  const rect = frontageFootprint;
  const shape = (
    footprint: Footprint | null,
    levels: number | null,
    height: number,
    year: number,
  ): Shape => ({ footprint, levels, height, year });
  switch (kind) {
    case 'city-hall': {
      // A perimeter palace around a courtyard: the one footprint with a hole.
      const outer = insetConvex(packer.ring, [4, 4, 4, 4]);
      const court = insetConvex(packer.ring, [24, 24, 24, 24]);
      const footprint = outer && court ? { rings: [outer, court.reverse()], parts: [outer] } : null;
      return shape(footprint, 5, 25, 1908);
    }
    case 'library':
      return shape(rect(south, long * 0.2, long * 0.6, 5, deep * 0.55), 6, 27, 1978);
    case 'museum': {
      const wing = { from: 0, to: 20, depth: deep - 50 };
      return shape(rect(north, 6, long - 12, 3, 20, wing), 4, 22, 1897);
    }
    case 'court':
      return shape(rect(south, long / 2 - 28, 56, 5, 38), 7, 30, 1962);
    case 'concert-hall': {
      const w = Math.min(70, long - 10);
      const footprint = rect(south, (long - w) / 2, w, 6, Math.min(50, deep - 20));
      return shape(footprint, null, 28, 2009);
    }
    case 'cathedral': {
      const w = Math.min(72, long - 16);
      return shape(rect(south, (long - w) / 2, w, 8, 30), null, 42, 1460);
    }
    case 'church': {
      const w = rng.range(18, 22);
      const footprint = rect(north, (long - w) / 2, w, 3, rng.range(34, 40));
      return shape(footprint, null, Math.round(rng.range(18, 28)), rng.int(1850, 1930));
    }
    case 'hospital': {
      const wing = { from: 0, to: 18, depth: deep - 30 };
      return shape(rect(south, 4, long - 8, 3, 18, wing), 9, 36.5, 1972);
    }
    case 'school': {
      const levels = rng.int(2, 3);
      const wing = { from: 0, to: 14, depth: Math.min(40, deep - 40) };
      const footprint = rect(south, 6, Math.min(62, long - 12), 6, 14, wing);
      return shape(footprint, levels, 3.8 * levels + 0.6, rng.int(1925, 2010));
    }
    case 'fire-station':
      return shape(rect(south, 4, 26, 4, 22), 2, 9.5, rng.int(1955, 1995));
    case 'substation': {
      // Switch house in the middle of the block, so the station's point falls inside it.
      const [w, d] = [36, 24];
      const footprint = rect(south, (long - w) / 2, w, (deep - d) / 2, d);
      return { ...shape(footprint, 2, 9, rng.int(1960, 2000)), use: 'other' };
    }
  }
}

/** The footprint and facts of one named civic building; null when it does not fit the block. */
export function placeLandmark(
  rng: Rng,
  landmark: Landmark,
  district: District,
  packer: BlockPacker,
): { footprint: Footprint; info: BuildingInfo } | null {
  const shape = shapeOf(rng, landmark.kind, packer);
  if (!shape.footprint || !packer.tryAdd(shape.footprint, 2)) return null;
  return {
    footprint: shape.footprint,
    info: {
      height_m: Math.round(shape.height * 10) / 10,
      levels: shape.levels,
      use: shape.use ?? 'civic',
      name: landmark.name,
      year_built: shape.year,
      attributes: {
        district,
        landmark: landmark.kind,
        roof: shape.levels === null ? 'pitched' : 'flat',
      },
    },
  };
}
