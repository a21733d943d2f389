/**
 * Polygon checks a client's geometry passes before the database sees it or any area is computed
 * (issue #10 item 2): each ring closed with at least three distinct corners, no ring crossing
 * itself, every hole inside the shell (a hole enclosing its shell, or lying outside it, is
 * refused). Plane geometry on lon/lat is enough here: the edits are building footprints a few
 * hundred metres across. Returns the reason, or null when the polygon passes.
 */
export function polygonProblem(rings: readonly (readonly (readonly number[])[])[]): string | null {
  for (const [i, ring] of rings.entries()) {
    const name = i === 0 ? 'the outer ring' : `hole ${i}`;
    const distinct = new Set(ring.map((p) => `${p[0]},${p[1]}`));
    if (distinct.size < 3) return `Too few points: ${name} needs at least 3 distinct corners`;
    const crossing = selfIntersection(ring);
    if (crossing) return `Self-intersection: ${name} crosses itself (${crossing})`;
  }
  const shell = rings[0]!;
  for (const [i, hole] of rings.slice(1).entries()) {
    if (!hole.every((p) => inRingOrOnEdge(p, shell)))
      return `Hole lies outside shell: hole ${i + 1} is not inside the outer ring`;
    if (shell.some((p) => strictlyInside(p, hole)))
      return `Hole lies outside shell: hole ${i + 1} encloses the outer ring`;
  }
  return null;
}

type P = readonly number[];

const cross = (o: P, a: P, b: P) =>
  (a[0]! - o[0]!) * (b[1]! - o[1]!) - (a[1]! - o[1]!) * (b[0]! - o[0]!);

function segmentsCross(a: P, b: P, c: P, d: P): boolean {
  const d1 = cross(c, d, a);
  const d2 = cross(c, d, b);
  const d3 = cross(a, b, c);
  const d4 = cross(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)))
    return true;
  // Collinear overlap of two non-adjacent edges also makes the ring invalid.
  const on = (p: P, q: P, r: P) =>
    Math.min(p[0]!, q[0]!) <= r[0]! &&
    r[0]! <= Math.max(p[0]!, q[0]!) &&
    Math.min(p[1]!, q[1]!) <= r[1]! &&
    r[1]! <= Math.max(p[1]!, q[1]!);
  return (
    (d1 === 0 && on(c, d, a)) ||
    (d2 === 0 && on(c, d, b)) ||
    (d3 === 0 && on(a, b, c)) ||
    (d4 === 0 && on(a, b, d))
  );
}

/** Edges i and j (non-adjacent) that cross: O(n²), n ≤ 2,000 per ring (the schema's cap). */
function selfIntersection(ring: readonly P[]): string | null {
  const n = ring.length - 1; // closed: the last position repeats the first
  for (let i = 0; i < n; i++) {
    for (let j = i + 2; j < n; j++) {
      if (i === 0 && j === n - 1) continue; // first and last edges share the closing corner
      if (segmentsCross(ring[i]!, ring[i + 1]!, ring[j]!, ring[j + 1]!))
        return `edges ${i + 1} and ${j + 1}`;
    }
  }
  return null;
}

function windingInside(p: P, ring: readonly P[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i]!;
    const b = ring[j]!;
    if (
      a[1]! > p[1]! !== b[1]! > p[1]! &&
      p[0]! < ((b[0]! - a[0]!) * (p[1]! - a[1]!)) / (b[1]! - a[1]!) + a[0]!
    )
      inside = !inside;
  }
  return inside;
}

function onEdge(p: P, ring: readonly P[]): boolean {
  for (let i = 0; i + 1 < ring.length; i++) {
    const a = ring[i]!;
    const b = ring[i + 1]!;
    if (
      cross(a, b, p) === 0 &&
      Math.min(a[0]!, b[0]!) <= p[0]! &&
      p[0]! <= Math.max(a[0]!, b[0]!) &&
      Math.min(a[1]!, b[1]!) <= p[1]! &&
      p[1]! <= Math.max(a[1]!, b[1]!)
    )
      return true;
  }
  return false;
}

const inRingOrOnEdge = (p: P, ring: readonly P[]) => onEdge(p, ring) || windingInside(p, ring);
const strictlyInside = (p: P, ring: readonly P[]) => !onEdge(p, ring) && windingInside(p, ring);
