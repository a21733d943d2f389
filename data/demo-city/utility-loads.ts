import KDBush from 'kdbush';
import type { BuildingUse } from '../../common/city-classes';
import type { PlannedBuilding } from './buildings';
import { signedArea, type Position } from './geometry';

/**
 * The demo utilities' own design rule for sizing their networks: a peak load per m² of floor
 * space by use, with the margin a utility plans for. These are the generator's numbers (a
 * network is built before anyone models it); the impact models read their factors from the
 * `impact_factors` table and find the networks sized with headroom.
 */
const POWER_W_PER_M2: Record<BuildingUse, number> = {
  residential: 15,
  office: 50,
  retail: 60,
  industrial: 40,
  civic: 35,
  other: 25,
  mixed: 0.7 * 15 + 0.3 * 60,
};
/** Peak water l/s per m² of floor space: homes ≈ 2.1 persons per 80 m² × 129 l/day × 2.5 ÷ 86 400. */
const WATER_L_S_PER_M2: Record<BuildingUse, number> = {
  residential: 7.8e-5,
  office: 5.8e-5,
  retail: 5.8e-5,
  industrial: 5.8e-5,
  civic: 5.8e-5,
  other: 5.8e-5,
  mixed: 7.2e-5,
};
/** Planning margin over the estimated peak. */
export const DESIGN_MARGIN = 1.3;
const STOREY_M = 3.3;

export interface DesignLoad {
  /** Peak power, kVA (power factor 0.95). */
  kva: number;
  /** Peak water, l/s. */
  ls: number;
}

/** Floor space × the design rule, for one planned building (grid-frame metres). */
export function designLoad(b: PlannedBuilding): DesignLoad {
  const footprint =
    Math.abs(signedArea(b.rings[0]!)) -
    b.rings.slice(1).reduce((s, r) => s + Math.abs(signedArea(r)), 0);
  const floors = b.info.levels ?? Math.max(1, Math.round(b.info.height_m / STOREY_M));
  const gfa = Math.max(0, footprint) * floors;
  return {
    kva: (gfa * POWER_W_PER_M2[b.info.use]) / 1000 / 0.95,
    ls: gfa * WATER_L_S_PER_M2[b.info.use],
  };
}

/** Each building's design load added to its nearest node (keys and positions in the grid frame). */
export function loadsAtNearest(
  buildings: readonly PlannedBuilding[],
  nodes: readonly { key: number; p: Position }[],
): Map<number, DesignLoad> {
  const out = new Map<number, DesignLoad>(nodes.map((n) => [n.key, { kva: 0, ls: 0 }]));
  if (nodes.length === 0) return out;
  const tree = new KDBush(nodes.length);
  for (const n of nodes) tree.add(n.p[0], n.p[1]);
  tree.finish();
  for (const b of buildings) {
    const ring = b.rings[0]!;
    const cx = ring.reduce((s, p) => s + p[0], 0) / ring.length;
    const cy = ring.reduce((s, p) => s + p[1], 0) / ring.length;
    let best = -1;
    for (let r = 100; best < 0 && r <= 6400; r *= 2) {
      let bestD = Infinity;
      for (const i of tree.within(cx, cy, r)) {
        const d = (nodes[i]!.p[0] - cx) ** 2 + (nodes[i]!.p[1] - cy) ** 2;
        if (d < bestD || (d === bestD && i < best)) [best, bestD] = [i, d];
      }
    }
    if (best < 0) continue;
    const load = designLoad(b);
    const at = out.get(nodes[best]!.key)!;
    at.kva += load.kva;
    at.ls += load.ls;
  }
  return out;
}

/** The smallest standard rating at or above `need`, else `need` rounded up to `step`. */
export function standardRating(need: number, sizes: readonly number[], step: number): number {
  return sizes.find((s) => s >= need) ?? Math.ceil(need / step) * step;
}
