import KDBush from 'kdbush';
import type { Position } from './geometry';

/** [minX, minY, maxX, maxY] */
export type Box = [number, number, number, number];

export function boxOf(points: Iterable<Position>): Box {
  const box: Box = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of points) {
    if (x < box[0]) box[0] = x;
    if (y < box[1]) box[1] = y;
    if (x > box[2]) box[2] = x;
    if (y > box[3]) box[3] = y;
  }
  return box;
}

export const boxesOverlap = (p: Box, q: Box) =>
  p[0] <= q[2] && q[0] <= p[2] && p[1] <= q[3] && q[1] <= p[3];

/**
 * Bounding boxes indexed by their centres on a kd-tree (kdbush), for finding overlap candidates
 * quickly (the checks on the generated city compare tens of thousands of footprints). A query
 * looks within the query box grown by the largest half-extent indexed, then keeps the boxes that
 * really overlap. `insert` everything first; the tree is built on the first `query`.
 */
export class BoxIndex<T> {
  readonly #entries: { box: Box; item: T }[] = [];
  #tree: KDBush | null = null;
  #half = 0;

  insert(box: Box, item: T): void {
    this.#entries.push({ box, item });
    this.#tree = null;
  }

  /** Items whose box overlaps `box`, each once. */
  query(box: Box): T[] {
    if (this.#entries.length === 0) return [];
    if (!this.#tree) {
      const tree = new KDBush(this.#entries.length);
      this.#half = 0;
      for (const { box: b } of this.#entries) {
        tree.add((b[0] + b[2]) / 2, (b[1] + b[3]) / 2);
        this.#half = Math.max(this.#half, (b[2] - b[0]) / 2, (b[3] - b[1]) / 2);
      }
      this.#tree = tree.finish();
    }
    const h = this.#half;
    const found = new Set<T>();
    for (const i of this.#tree.range(box[0] - h, box[1] - h, box[2] + h, box[3] + h)) {
      const e = this.#entries[i]!;
      if (boxesOverlap(e.box, box)) found.add(e.item);
    }
    return [...found];
  }
}
