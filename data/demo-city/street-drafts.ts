import type { Cell, CityPlan } from './city-plan';
import { distance, type Position } from './geometry';
import type { StreetClass } from './grid';

/** Clearance kept between a street centreline and the river bank, metres. */
export const BANK_CLEARANCE = 8;

/** A street crossing or bridgehead before numbering; `a`, `b` locate it on the grid. */
export interface NodeSite {
  readonly a: number;
  readonly b: number;
  readonly p: Position;
  readonly attributes: Record<string, unknown>;
}

/** A street segment before numbering; `line` ("col:12", "row:3") keeps attributes consistent. */
export interface LinkDraft {
  readonly from: number;
  readonly to: number;
  readonly points: Position[];
  readonly cls: StreetClass;
  readonly line: string;
  readonly beside: Cell[];
  readonly bridge: boolean;
}

export const nodeKey = (a: number, b: number) => a * 1000 + b;

/** Shared state while drafting the street graph: node sites by key and the drafted links. */
export class StreetDrafts {
  readonly sites = new Map<number, NodeSite>();
  readonly links: LinkDraft[] = [];
  readonly #plan: CityPlan;

  constructor(plan: CityPlan) {
    this.#plan = plan;
  }

  /** Key of the grid crossing (a, b), registering it on first use. */
  crossing(a: number, b: number): number {
    const key = nodeKey(a, b);
    if (!this.sites.has(key)) {
      const { grid } = this.#plan;
      const big = (c: StreetClass) => c !== 'local';
      const col = grid.cols[a]!.class;
      const row = grid.rows[b]!.class;
      const signals = (col === 'arterial' && big(row)) || (row === 'arterial' && big(col));
      const attributes = signals ? { control: 'signals' } : {};
      this.sites.set(key, { a, b, p: grid.node(a, b), attributes });
    }
    return key;
  }

  add(
    from: number,
    to: number,
    cls: StreetClass,
    line: string,
    beside: (Cell | undefined)[],
    bridge = false,
  ): void {
    this.links.push({
      from,
      to,
      points: [this.sites.get(from)!.p, this.sites.get(to)!.p],
      cls,
      line,
      beside: beside.filter((c): c is Cell => c !== undefined),
      bridge,
    });
  }

  /** Whether the segment pq comes within the bank clearance of the water (5 m samples). */
  crossesWater(p: Position, q: Position): boolean {
    const { river } = this.#plan;
    const length = distance(p, q);
    // Distance to the bank changes at most 1 m per metre: far from it, no need to sample.
    const mid: Position = [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2];
    if (river.bankDistance(mid) - length / 2 > BANK_CLEARANCE + 1) return false;
    const steps = Math.max(1, Math.ceil(length / 5));
    for (let i = 0; i <= steps; i++) {
      const t = i / steps;
      const s: Position = [p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t];
      if (river.bankDistance(s) < BANK_CLEARANCE) return true;
    }
    return false;
  }

  /** Whether a crossing stands safely on land. */
  dry(p: Position): boolean {
    return this.#plan.river.bankDistance(p) > BANK_CLEARANCE + 4;
  }
}
