import type { CityPlan } from './city-plan';
import type { Position } from './geometry';
import { BANK_CLEARANCE, type StreetDrafts } from './street-drafts';

/** Bridgehead node keys start here, beyond every grid key (a * 1000 + b). */
const HEAD_KEY = 900_000;
/** A bridgehead closer than this to the crossing behind it is merged into it, metres. */
const MIN_APPROACH = 15;

/**
 * Bridges every north–south arterial and collector across the river: from the last dry
 * crossing south of the water to the first north of it, with bridgehead nodes where the road
 * reaches the bank so the bridge itself spans only the water and its quays.
 */
export function draftBridges(plan: CityPlan, drafts: StreetDrafts): number {
  const { grid, river } = plan;
  let count = 0;
  grid.cols.forEach((col, a) => {
    if (col.class === 'local') return;
    let south = -1;
    let north = -1;
    grid.rows.forEach((_, b) => {
      const p = grid.node(a, b);
      const onNorthBank = p[1] > river.centre(p[0]);
      if (drafts.dry(p) && !onNorthBank) south = b;
      if (drafts.dry(p) && onNorthBank && north < 0) north = b;
    });
    if (south < 0 || north <= south || north - south > 4) return;
    const p = grid.node(a, south);
    const q = grid.node(a, north);
    if (north - south === 1 && !drafts.crossesWater(p, q)) return;

    // Walk in from both ends in 1 m steps to where the bank clearance starts.
    const at = (t: number): Position => [p[0] + (q[0] - p[0]) * t, p[1] + (q[1] - p[1]) * t];
    const steps = Math.ceil(Math.hypot(q[0] - p[0], q[1] - p[1]));
    let i = 0;
    while (i < steps && river.bankDistance(at(i / steps)) >= BANK_CLEARANCE) i++;
    let j = steps;
    while (j > 0 && river.bankDistance(at(j / steps)) >= BANK_CLEARANCE) j--;
    const line = `col:${a}`;
    const beside = [plan.cell(a - 1, south), plan.cell(a, south), plan.cell(a, north - 1)];
    const head = (from: number, t: number, b: number, side: number) => {
      const point = at(t);
      const base = drafts.sites.get(from)!;
      if (Math.hypot(point[0] - base.p[0], point[1] - base.p[1]) < MIN_APPROACH) return from;
      const key = HEAD_KEY + a * 2 + side;
      drafts.sites.set(key, { a, b, p: point, attributes: { bridgehead: true } });
      if (side === 0) drafts.add(from, key, col.class, line, beside);
      else drafts.add(key, from, col.class, line, beside);
      return key;
    };
    const southKey = drafts.crossing(a, south);
    const northKey = drafts.crossing(a, north);
    const southHead = head(southKey, Math.max(0, i - 1) / steps, south, 0);
    const northHead = head(northKey, Math.min(steps, j + 1) / steps, north, 1);
    drafts.add(southHead, northHead, col.class, line, beside, true);
    count++;
  });
  return count;
}
