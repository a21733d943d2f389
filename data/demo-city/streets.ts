import type { RoadClass } from '../../common/city-classes';
import { draftBridges } from './bridges';
import type { Cell, CityPlan } from './city-plan';
import type { District } from './districts';
import { polylineLength, type Position } from './geometry';
import { adjacency, components } from './graph';
import type { StreetClass } from './grid';
import { round2 } from './projection';
import type { Rng } from './prng';
import { roadAttributes } from './road-attributes';
import { StreetDrafts } from './street-drafts';

/** A street crossing or bridgehead; `a`, `b` are the grid column and row it belongs to. */
export interface StreetNode {
  readonly key: number;
  readonly a: number;
  readonly b: number;
  readonly p: Position;
  readonly id: number;
  readonly attributes: Record<string, unknown>;
}

/** One street segment between two adjacent crossings (or a bridge between bridgeheads). */
export interface StreetLink {
  readonly id: number;
  readonly from: number;
  readonly to: number;
  readonly points: Position[];
  readonly class: RoadClass;
  readonly name: string;
  readonly lanes: number;
  readonly speedKmh: number;
  readonly capacity: number;
  readonly oneway: boolean;
  readonly lengthM: number;
  readonly bridge: boolean;
  /** District of the block beside it, for the utilities laid under it. */
  readonly district: District;
}

export interface StreetNetwork {
  readonly nodes: StreetNode[];
  readonly links: StreetLink[];
  readonly byKey: Map<number, StreetNode>;
}

/**
 * Builds the road graph on the grid: one link per segment between adjacent crossings, no local
 * streets through parks or farmland, none across the river except bridges on the north–south
 * arterials and collectors; only the largest connected component is kept.
 */
export function buildStreets(rng: Rng, plan: CityPlan): StreetNetwork {
  const { grid } = plan;
  const drafts = new StreetDrafts(plan);
  const keep = (cls: StreetClass, beside: (Cell | undefined)[]) => {
    const cells = beside.filter((c): c is Cell => c !== undefined);
    if (cls !== 'local') return true;
    return !cells.every((c) => c.district === 'rural') && !cells.every((c) => c.park);
  };
  const segment = (
    a1: number,
    b1: number,
    a2: number,
    b2: number,
    cls: StreetClass,
    line: string,
    beside: (Cell | undefined)[],
  ) => {
    const p = grid.node(a1, b1);
    const q = grid.node(a2, b2);
    if (drafts.dry(p) && drafts.dry(q) && !drafts.crossesWater(p, q) && keep(cls, beside)) {
      drafts.add(drafts.crossing(a1, b1), drafts.crossing(a2, b2), cls, line, beside);
    }
  };
  grid.cols.forEach((col, a) => {
    for (let b = 0; b + 1 < grid.rows.length; b++) {
      segment(a, b, a, b + 1, col.class, `col:${a}`, [plan.cell(a - 1, b), plan.cell(a, b)]);
    }
  });
  grid.rows.forEach((row, b) => {
    for (let a = 0; a + 1 < grid.cols.length; a++) {
      segment(a, b, a + 1, b, row.class, `row:${b}`, [plan.cell(a, b - 1), plan.cell(a, b)]);
    }
  });
  draftBridges(plan, drafts);

  // Keep the largest connected component only.
  const adj = adjacency(drafts.links.map((d) => ({ from: d.from, to: d.to, cost: 1 })));
  const main =
    components(
      [...adj.keys()].sort((p, q) => p - q),
      adj,
    )[0] ?? [];
  const nodes: StreetNode[] = main
    .slice()
    .sort((p, q) => p - q)
    .map((key, i) => ({ key, ...drafts.sites.get(key)!, id: i + 1 }));
  const byKey = new Map(nodes.map((n) => [n.key, n]));

  const attrs = roadAttributes(rng.fork('road-attributes'), plan);
  const links = drafts.links
    .filter((d) => byKey.has(d.from))
    .map((d, i): StreetLink => {
      const a = attrs(d.line, d.cls, d.beside);
      const reverse = a.oneway && !d.bridge && a.reverse;
      const points = reverse ? d.points.slice().reverse() : d.points;
      return {
        id: i + 1,
        from: reverse ? d.to : d.from,
        to: reverse ? d.from : d.to,
        points,
        class: d.cls,
        name: a.name,
        lanes: a.lanes,
        speedKmh: a.speedKmh,
        capacity: a.capacity,
        oneway: a.oneway && !d.bridge,
        lengthM: round2(polylineLength(points)),
        bridge: d.bridge,
        district: d.beside.find((c) => c.district !== 'rural')?.district ?? 'rural',
      };
    });
  return { nodes, links, byKey };
}
