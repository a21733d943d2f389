import KDBush from 'kdbush';

/**
 * Nearest-point search over network nodes (EPSG:3857 coordinates) on a kd-tree (kdbush). Every
 * search is bounded: past `maxM` ground metres it gives up and answers −1, so a building in
 * another city is reported as unconnected instead of being searched for across the world.
 */
export class PointIndex {
  readonly #tree: KDBush | null;
  readonly #ids: Int32Array;

  constructor(
    readonly xs: Float64Array,
    readonly ys: Float64Array,
    /** Only points with keep(i) true are indexed. */
    keep: (i: number) => boolean = () => true,
  ) {
    const ids: number[] = [];
    for (let i = 0; i < xs.length; i++) if (keep(i)) ids.push(i);
    this.#ids = Int32Array.from(ids);
    if (ids.length === 0) {
      this.#tree = null;
      return;
    }
    const tree = new KDBush(ids.length);
    for (const i of ids) tree.add(xs[i]!, ys[i]!);
    this.#tree = tree.finish();
  }

  get size(): number {
    return this.#ids.length;
  }

  /**
   * Index of the nearest point within `maxM` ground metres of (x, y), or −1. The radius grows
   * from 100 m by doubling, so a dense network answers from a small neighbourhood.
   */
  nearest(x: number, y: number, maxM: number): number {
    const tree = this.#tree;
    if (!tree || !Number.isFinite(x) || !Number.isFinite(y)) return -1;
    const scale = 1 / Math.sqrt(areaScale(y)); // mercator units per ground metre
    for (let r = Math.min(100, maxM); ; r = Math.min(r * 2, maxM)) {
      const found = tree.within(x, y, r * scale);
      if (found.length > 0) {
        let best = -1;
        let bestD = Infinity;
        for (const k of found) {
          const i = this.#ids[k]!;
          const d = (this.xs[i]! - x) ** 2 + (this.ys[i]! - y) ** 2;
          if (d < bestD || (d === bestD && i < best)) [best, bestD] = [i, d];
        }
        return best;
      }
      if (r >= maxM) return -1;
    }
  }

  /** Up to `k` nearest points within `maxM` ground metres, nearest first. */
  nearestK(x: number, y: number, k: number, maxM: number): number[] {
    const tree = this.#tree;
    if (!tree || !Number.isFinite(x) || !Number.isFinite(y)) return [];
    const scale = 1 / Math.sqrt(areaScale(y));
    for (let r = Math.min(100, maxM); ; r = Math.min(r * 2, maxM)) {
      const found = tree.within(x, y, r * scale);
      if (found.length >= k || r >= maxM) {
        return found
          .map((j) => this.#ids[j]!)
          .map((i) => ({ i, d: (this.xs[i]! - x) ** 2 + (this.ys[i]! - y) ** 2 }))
          .sort((a, b) => a.d - b.d || a.i - b.i)
          .slice(0, k)
          .map((e) => e.i);
      }
    }
  }
}

const R = 6_378_137;

/** Latitude (degrees) of a web-mercator northing. */
export function mercatorLat(y: number): number {
  return (Math.atan(Math.sinh(y / R)) * 180) / Math.PI;
}

/** Ground m² per mercator unit² at northing y: cos²(lat). */
export function areaScale(y: number): number {
  const c = Math.cos((mercatorLat(y) * Math.PI) / 180);
  return c * c;
}
