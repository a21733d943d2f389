/**
 * Nearest-point search on a uniform grid (EPSG:3857 metres). Networks have a few thousand nodes
 * and the engine asks tens of thousands of times, so a grid beats a database round trip each.
 */
export class PointIndex {
  readonly #cell: number;
  readonly #cells = new Map<string, number[]>();

  constructor(
    readonly xs: Float64Array,
    readonly ys: Float64Array,
    cellSize = 250,
    /** Only points with keep(i) true are indexed. */
    keep: (i: number) => boolean = () => true,
  ) {
    this.#cell = cellSize;
    for (let i = 0; i < xs.length; i++) {
      if (!keep(i)) continue;
      const key = this.#key(Math.floor(xs[i]! / cellSize), Math.floor(ys[i]! / cellSize));
      let list = this.#cells.get(key);
      if (!list) this.#cells.set(key, (list = []));
      list.push(i);
    }
  }

  #key(cx: number, cy: number): string {
    return `${cx},${cy}`;
  }

  /** Index of the nearest point, or -1 if the index is empty. Searches rings of cells outward. */
  nearest(x: number, y: number): number {
    if (this.#cells.size === 0) return -1;
    const cx = Math.floor(x / this.#cell);
    const cy = Math.floor(y / this.#cell);
    let best = -1;
    let bestD = Infinity;
    for (let r = 0; r < 10_000; r++) {
      for (let dx = -r; dx <= r; dx++) {
        for (let dy = -r; dy <= r; dy++) {
          if (Math.max(Math.abs(dx), Math.abs(dy)) !== r) continue;
          const list = this.#cells.get(this.#key(cx + dx, cy + dy));
          if (!list) continue;
          for (const i of list) {
            const d = (this.xs[i]! - x) ** 2 + (this.ys[i]! - y) ** 2;
            if (d < bestD) [best, bestD] = [i, d];
          }
        }
      }
      // Every point in ring r+1 or beyond is at least r·cell away.
      if (best >= 0 && Math.sqrt(bestD) <= r * this.#cell) break;
    }
    return best;
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
