import KDBush from 'kdbush';

/**
 * Is a point in sunshine? A ray from the point towards the sun is blocked by a building (a prism:
 * footprint ring, roof height) when it enters the footprint lower than the roof: with t the
 * horizontal distance to where the ray first enters the footprint, h0 + t·tan(altitude) < H.
 * Exact for flat-roofed prisms on flat ground. Coordinates are local ground metres (east, north).
 */
export interface Prism {
  /** Closed ring, local metres. */
  ring: Float64Array;
  heightM: number;
  /** Bounding circle, for the index. */
  cx: number;
  cy: number;
  radius: number;
}

export function prism(ring: readonly [number, number][], heightM: number): Prism {
  const flat = new Float64Array(ring.length * 2);
  let cx = 0;
  let cy = 0;
  ring.forEach(([x, y], i) => {
    flat[2 * i] = x;
    flat[2 * i + 1] = y;
    cx += x;
    cy += y;
  });
  cx /= ring.length;
  cy /= ring.length;
  let radius = 0;
  for (const [x, y] of ring) radius = Math.max(radius, Math.hypot(x - cx, y - cy));
  return { ring: flat, heightM, cx, cy, radius };
}

/** Horizontal distance along (dx, dy) (a unit vector) from (px, py) to where it enters the ring; ∞ if never. */
export function entryDistance(p: Prism, px: number, py: number, dx: number, dy: number): number {
  const r = p.ring;
  let best = Infinity;
  let crossings = 0;
  for (let i = 0; i + 3 < r.length; i += 2) {
    const ax = r[i]!,
      ay = r[i + 1]!,
      bx = r[i + 2]!,
      by = r[i + 3]!;
    // Point-in-polygon (even–odd) on the way, for a point that is already inside.
    if (ay > py !== by > py && px < ((bx - ax) * (py - ay)) / (by - ay) + ax) crossings++;
    const ex = bx - ax;
    const ey = by - ay;
    const den = dx * ey - dy * ex;
    if (den === 0) continue;
    const wx = ax - px;
    const wy = ay - py;
    const t = (wx * ey - wy * ex) / den;
    const s = (wx * dy - wy * dx) / den;
    if (t >= 0 && s >= 0 && s <= 1 && t < best) best = t;
  }
  return crossings % 2 === 1 ? 0 : best;
}

/** Prisms indexed by their centres (kdbush) for ray queries. */
export class PrismIndex {
  readonly prisms: Prism[];
  readonly #tree: KDBush | null;
  readonly #maxRadius: number;
  readonly #maxHeight: number;
  readonly #seen: Int32Array;
  #stamp = 0;

  constructor(prisms: Prism[]) {
    this.prisms = prisms;
    this.#maxRadius = prisms.reduce((m, p) => Math.max(m, p.radius), 0);
    this.#maxHeight = prisms.reduce((m, p) => Math.max(m, p.heightM), 0);
    this.#seen = new Int32Array(prisms.length);
    if (prisms.length === 0) {
      this.#tree = null;
      return;
    }
    const tree = new KDBush(prisms.length);
    for (const p of prisms) tree.add(p.cx, p.cy);
    this.#tree = tree.finish();
  }

  /**
   * True when some prism blocks the ray from (px, py, h0) towards a sun at azimuth `azDeg`,
   * altitude `altDeg`, within `maxM` horizontal metres; `skip` prisms are left out.
   */
  blocks(
    px: number,
    py: number,
    h0: number,
    azDeg: number,
    altDeg: number,
    maxM: number,
    skip?: (i: number) => boolean,
  ): boolean {
    const tree = this.#tree;
    if (!tree) return false;
    const az = (azDeg * Math.PI) / 180;
    const dx = Math.sin(az);
    const dy = Math.cos(az);
    const tanAlt = Math.tan((altDeg * Math.PI) / 180);
    const stamp = ++this.#stamp;
    // Walk the ray in chunks; each chunk asks the tree for prisms near it.
    const chunk = 40;
    for (let t0 = 0; t0 < maxM; t0 += chunk) {
      const mid = Math.min(t0 + chunk / 2, maxM);
      // Past this distance the ray is above every roof: nothing further can block it.
      if (h0 + t0 * tanAlt > this.#maxHeight) return false;
      for (const i of tree.within(px + dx * mid, py + dy * mid, chunk / 2 + this.#maxRadius)) {
        if (this.#seen[i] === stamp) continue;
        this.#seen[i] = stamp;
        if (skip?.(i)) continue;
        const p = this.prisms[i]!;
        const reach = (p.heightM - h0) / tanAlt;
        if (!(reach > 0)) continue;
        const t = entryDistance(p, px, py, dx, dy);
        if (t < reach && t <= maxM) return true;
      }
    }
    return false;
  }
}
