import type { District, Zone } from './districts';
import type { Position } from './geometry';
import type { StreetGrid } from './grid';
import type { River } from './river';
import type { StreetNames } from './street-names';

// The plan's shapes, below both city-plan.ts (which makes the plan) and landmarks.ts (which
// places civic buildings on its cells), so neither imports the other back.

export type LandmarkKind =
  | 'city-hall'
  | 'library'
  | 'museum'
  | 'court'
  | 'concert-hall'
  | 'cathedral'
  | 'church'
  | 'hospital'
  | 'school'
  | 'fire-station'
  | 'substation';

/** A named civic building that takes over (part of) a block. */
export interface Landmark {
  readonly kind: LandmarkKind;
  readonly name: string;
}

/** One grid cell: the block between columns a, a+1 and rows b, b+1 plus half its streets. */
export interface Cell {
  readonly a: number;
  readonly b: number;
  readonly centre: Position;
  readonly district: District;
  /** Key of the {@link Zone} (land_use row) the cell belongs to. */
  zone: string;
  park: boolean;
  landmark: Landmark | null;
}

export interface CityPlan {
  readonly grid: StreetGrid;
  readonly river: River;
  readonly names: StreetNames;
  readonly zones: readonly Zone[];
  /** All cells, column-major: `cells[a][b]`. */
  readonly cells: readonly (readonly Cell[])[];
  cell(a: number, b: number): Cell | undefined;
}
