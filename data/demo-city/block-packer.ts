import type { Cell, CityPlan } from './city-plan';
import {
  convexSeparated,
  cross,
  distance,
  insetConvex,
  normalize,
  offsetPoint,
  sub,
  type Position,
} from './geometry';
import type { StreetClass } from './grid';

/** Street centreline to building line, metres: carriageway, parking, pavement. */
export const STREET_HALF_WIDTH: Record<StreetClass, number> = {
  arterial: 15,
  collector: 11,
  local: 8,
};
/** Buildings keep at least this far from the river bank, metres (quay, towpath). */
const RIVER_SETBACK = 12;

/** A side of a block: the street frontage footprints are laid along. */
export interface Frontage {
  readonly origin: Position;
  /** Unit vector along the street; the block lies to its left. */
  readonly dir: Position;
  readonly length: number;
}

/** A footprint as polygon rings (exterior CCW, holes CW) and convex parts for clash tests. */
export interface Footprint {
  readonly rings: Position[][];
  readonly parts: Position[][];
}

/**
 * A rectangle on a frontage: from `along` to `along + width` down the street, from `setback`
 * to `setback + depth` into the block. An optional wing makes an L: it spans `wing.from` to
 * `wing.to` along the street and reaches `wing.depth` further back.
 */
export function frontageFootprint(
  f: Frontage,
  along: number,
  width: number,
  setback: number,
  depth: number,
  wing?: { from: number; to: number; depth: number },
): Footprint {
  const at = (s: number, t: number) => offsetPoint(f.origin, f.dir, along + s, setback + t);
  const main = [at(0, 0), at(width, 0), at(width, depth), at(0, depth)];
  if (!wing) return { rings: [main], parts: [main] };
  const back = depth + wing.depth;
  const part = [at(wing.from, depth), at(wing.to, depth), at(wing.to, back), at(wing.from, back)];
  const [w, d, w0, w1] = [width, depth, wing.from, wing.to];
  const ring =
    w0 <= 0
      ? [at(0, 0), at(w, 0), at(w, d), at(w1, d), at(w1, back), at(0, back)]
      : [at(0, 0), at(w, 0), at(w, back), at(w0, back), at(w0, d), at(0, d)];
  return { rings: [ring], parts: [main, part] };
}

/**
 * Places footprints in one block without overlaps: each must lie inside the block (the cell
 * inset by its streets' half widths), clear of the river and `gap` metres from the others.
 */
export class BlockPacker {
  readonly ring: Position[];
  readonly frontages: Frontage[];
  readonly #placed: Position[][] = [];
  readonly #plan: CityPlan;
  /** Whether any part of the block may lie within the river setback. */
  readonly #nearRiver: boolean;

  private constructor(plan: CityPlan, ring: Position[]) {
    this.#plan = plan;
    this.ring = ring;
    const centre: Position = [
      ring.reduce((s, p) => s + p[0], 0) / ring.length,
      ring.reduce((s, p) => s + p[1], 0) / ring.length,
    ];
    const radius = Math.max(...ring.map((p) => distance(p, centre)));
    this.#nearRiver = plan.river.bankDistance(centre) - radius < RIVER_SETBACK + 1;
    this.frontages = ring.map((origin, i) => {
      const next = ring[(i + 1) % ring.length]!;
      return { origin, dir: normalize(sub(next, origin)), length: distance(origin, next) };
    });
  }

  /** The packer for a cell's block, or null when the streets leave no room. */
  static forCell(plan: CityPlan, cell: Cell): BlockPacker | null {
    const { grid } = plan;
    const { a, b } = cell;
    const quad = [
      grid.node(a, b),
      grid.node(a + 1, b),
      grid.node(a + 1, b + 1),
      grid.node(a, b + 1),
    ];
    const ring = insetConvex(quad, [
      STREET_HALF_WIDTH[grid.rows[b]!.class],
      STREET_HALF_WIDTH[grid.cols[a + 1]!.class],
      STREET_HALF_WIDTH[grid.rows[b + 1]!.class],
      STREET_HALF_WIDTH[grid.cols[a]!.class],
    ]);
    return ring ? new BlockPacker(plan, ring) : null;
  }

  /** Adds the footprint when it fits; returns whether it did. */
  tryAdd(footprint: Footprint, gap: number): boolean {
    const points = footprint.parts.flat();
    if (!points.every((p) => this.#insideBlock(p))) return false;
    const { river } = this.#plan;
    if (this.#nearRiver && points.some((p) => river.bankDistance(p) < RIVER_SETBACK)) return false;
    for (const part of footprint.parts) {
      if (!this.#placed.every((other) => convexSeparated(part, other, gap))) return false;
    }
    this.#placed.push(...footprint.parts);
    return true;
  }

  #insideBlock(p: Position): boolean {
    return this.frontages.every((f) => cross(f.dir, sub(p, f.origin)) >= 0.2);
  }
}
