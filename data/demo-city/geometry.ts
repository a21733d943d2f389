/** Planar geometry helpers in local metres (x east, y north), shared by the generator and tests. */

export type Position = [number, number];

export const add = (a: Position, b: Position): Position => [a[0] + b[0], a[1] + b[1]];
export const sub = (a: Position, b: Position): Position => [a[0] - b[0], a[1] - b[1]];
export const scale = (a: Position, k: number): Position => [a[0] * k, a[1] * k];
export const dot = (a: Position, b: Position): number => a[0] * b[0] + a[1] * b[1];
export const cross = (a: Position, b: Position): number => a[0] * b[1] - a[1] * b[0];
export const length = (a: Position): number => Math.hypot(a[0], a[1]);
export const distance = (a: Position, b: Position): number => Math.hypot(a[0] - b[0], a[1] - b[1]);
/** The vector turned 90° counter-clockwise. */
export const perp = (a: Position): Position => [-a[1], a[0]];

export function normalize(a: Position): Position {
  const l = length(a);
  return l === 0 ? [0, 0] : [a[0] / l, a[1] / l];
}

/** `p + dir * along + perp(dir) * across`, with `dir` a unit vector. */
export function offsetPoint(p: Position, dir: Position, along: number, across: number): Position {
  return [p[0] + dir[0] * along - dir[1] * across, p[1] + dir[1] * along + dir[0] * across];
}

/** Where the lines `p + s·d` and `q + t·e` meet, or null when parallel. */
export function lineIntersection(p: Position, d: Position, q: Position, e: Position) {
  const den = cross(d, e);
  if (Math.abs(den) < 1e-12) return null;
  const s = cross(sub(q, p), e) / den;
  return add(p, scale(d, s));
}

/** Signed area of a ring (open or closed); positive when counter-clockwise. */
export function signedArea(ring: readonly Position[]): number {
  let sum = 0;
  for (let i = 0, n = ring.length; i < n; i++) {
    const a = ring[i] as Position;
    const b = ring[(i + 1) % n] as Position;
    sum += a[0] * b[1] - b[0] * a[1];
  }
  return sum / 2;
}

export function closeRing(ring: readonly Position[]): Position[] {
  const first = ring[0] as Position;
  const last = ring[ring.length - 1] as Position;
  return first[0] === last[0] && first[1] === last[1] ? ring.slice() : [...ring, first];
}

export function polylineLength(points: readonly Position[]): number {
  let sum = 0;
  for (let i = 1; i < points.length; i++) {
    sum += distance(points[i - 1] as Position, points[i] as Position);
  }
  return sum;
}

/** Even–odd point in ring test (ring open or closed). */
export function pointInRing(p: Position, ring: readonly Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i] as Position;
    const b = ring[j] as Position;
    if (a[1] > p[1] !== b[1] > p[1]) {
      const x = ((b[0] - a[0]) * (p[1] - a[1])) / (b[1] - a[1]) + a[0];
      if (p[0] < x) inside = !inside;
    }
  }
  return inside;
}

/** Whether closed segments ab and cd share a point. */
export function segmentsIntersect(a: Position, b: Position, c: Position, d: Position): boolean {
  const d1 = cross(sub(b, a), sub(c, a));
  const d2 = cross(sub(b, a), sub(d, a));
  const d3 = cross(sub(d, c), sub(a, c));
  const d4 = cross(sub(d, c), sub(b, c));
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) {
    return true;
  }
  const onSegment = (p: Position, q: Position, r: Position) =>
    Math.min(p[0], q[0]) <= r[0] &&
    r[0] <= Math.max(p[0], q[0]) &&
    Math.min(p[1], q[1]) <= r[1] &&
    r[1] <= Math.max(p[1], q[1]);
  return (
    (d1 === 0 && onSegment(a, b, c)) ||
    (d2 === 0 && onSegment(a, b, d)) ||
    (d3 === 0 && onSegment(c, d, a)) ||
    (d4 === 0 && onSegment(c, d, b))
  );
}

export function pointSegmentDistance(p: Position, a: Position, b: Position): number {
  const ab = sub(b, a);
  const l2 = dot(ab, ab);
  const t = l2 === 0 ? 0 : Math.max(0, Math.min(1, dot(sub(p, a), ab) / l2));
  return distance(p, [a[0] + ab[0] * t, a[1] + ab[1] * t]);
}

/**
 * Separating-axis test for two convex rings (open, any orientation): true when some edge
 * normal separates them by at least `gap` metres.
 */
export function convexSeparated(a: readonly Position[], b: readonly Position[], gap: number) {
  for (const ring of [a, b]) {
    for (let i = 0; i < ring.length; i++) {
      const edge = sub(ring[(i + 1) % ring.length] as Position, ring[i] as Position);
      const axis = normalize(perp(edge));
      const [minA, maxA] = projectRing(a, axis);
      const [minB, maxB] = projectRing(b, axis);
      if (minB - maxA >= gap || minA - maxB >= gap) return true;
    }
  }
  return false;
}

function projectRing(ring: readonly Position[], axis: Position): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const p of ring) {
    const v = dot(p, axis);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/**
 * Moves each edge of a convex counter-clockwise ring (open) inwards by its own distance and
 * returns the new ring, or null when it collapses.
 */
export function insetConvex(ring: readonly Position[], distances: readonly number[]) {
  const n = ring.length;
  const lines = ring.map((p, i) => {
    const d = normalize(sub(ring[(i + 1) % n] as Position, p));
    return { p: offsetPoint(p, d, 0, distances[i] ?? 0), d };
  });
  const out: Position[] = [];
  for (let i = 0; i < n; i++) {
    const prev = lines[(i + n - 1) % n]!;
    const cur = lines[i]!;
    const corner = lineIntersection(prev.p, prev.d, cur.p, cur.d);
    if (!corner) return null;
    out.push(corner);
  }
  return signedArea(out) > 0 ? out : null;
}
