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
 * A uniform grid of bounding boxes for finding overlap candidates quickly (the checks on the
 * generated city compare tens of thousands of footprints).
 */
export class GridIndex<T> {
  readonly #cellSize: number;
  readonly #cells = new Map<string, { box: Box; item: T }[]>();

  constructor(cellSize: number) {
    this.#cellSize = cellSize;
  }

  insert(box: Box, item: T): void {
    for (const key of this.#keys(box)) {
      let list = this.#cells.get(key);
      if (!list) this.#cells.set(key, (list = []));
      list.push({ box, item });
    }
  }

  /** Items whose box overlaps `box`, each once. */
  query(box: Box): T[] {
    const found = new Set<T>();
    for (const key of this.#keys(box)) {
      for (const entry of this.#cells.get(key) ?? []) {
        if (boxesOverlap(entry.box, box)) found.add(entry.item);
      }
    }
    return [...found];
  }

  *#keys(box: Box): Generator<string> {
    const s = this.#cellSize;
    for (let x = Math.floor(box[0] / s); x <= Math.floor(box[2] / s); x++) {
      for (let y = Math.floor(box[1] / s); y <= Math.floor(box[3] / s); y++) yield `${x}:${y}`;
    }
  }
}
