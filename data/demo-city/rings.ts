import { pointInRing, signedArea, type Position } from './geometry';

/**
 * Splits a ring that passes through the same vertex twice into simple rings. OGC (and so
 * PostGIS) rejects such "pinched" rings; a hole touching its shell at one point must be a
 * separate ring instead. Degenerate pieces (spikes) are dropped.
 */
function splitPinched(ring: Position[]): Position[][] {
  const seen = new Map<string, number>();
  for (let j = 0; j < ring.length; j++) {
    const key = `${ring[j]![0]},${ring[j]![1]}`;
    const i = seen.get(key);
    if (i !== undefined) {
      return [
        ...splitPinched(ring.slice(i, j)),
        ...splitPinched([...ring.slice(j), ...ring.slice(0, i)]),
      ];
    }
    seen.set(key, j);
  }
  return ring.length >= 3 && signedArea(ring) !== 0 ? [ring] : [];
}

/** A point just outside a clockwise hole, left of its longest edge: in the polygon's area. */
function probeBeside(hole: Position[]): Position {
  let best = 0;
  let bestLength = -1;
  for (let i = 0; i < hole.length; i++) {
    const [p, q] = [hole[i]!, hole[(i + 1) % hole.length]!];
    const l = Math.hypot(q[0] - p[0], q[1] - p[1]);
    if (l > bestLength) [best, bestLength] = [i, l];
  }
  const [p, q] = [hole[best]!, hole[(best + 1) % hole.length]!];
  const eps = 1e-3;
  return [(p[0] + q[0]) / 2 - (q[1] - p[1]) * eps, (p[1] + q[1]) / 2 + (q[0] - p[0]) * eps];
}

/**
 * Groups open rings into valid polygons: pinched rings are split, counter-clockwise rings
 * become shells and clockwise ones holes of the smallest shell around them.
 */
export function assemblePolygons(rings: readonly Position[][]): Position[][][] {
  const shells: { ring: Position[]; area: number; holes: Position[][] }[] = [];
  const holes: Position[][] = [];
  for (const ring of rings.flatMap(splitPinched)) {
    const area = signedArea(ring);
    if (area > 0) shells.push({ ring, area, holes: [] });
    else holes.push(ring);
  }
  for (const hole of holes) {
    const probe = probeBeside(hole);
    const owner = shells
      .filter((s) => pointInRing(probe, s.ring))
      .sort((p, q) => p.area - q.area)[0];
    owner?.holes.push(hole);
  }
  return shells.map((s) => [s.ring, ...s.holes]);
}

/** Drops the closing vertex of a closed ring. */
export function openRing(ring: readonly Position[]): Position[] {
  const [first, last] = [ring[0]!, ring[ring.length - 1]!];
  return first[0] === last[0] && first[1] === last[1] ? ring.slice(0, -1) : ring.slice();
}
