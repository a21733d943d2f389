import type { Position } from './geometry';
import { assemblePolygons } from './rings';

interface Edge {
  readonly from: Position;
  readonly to: Position;
}

const vertexKey = ([a, b]: Position) => a * 1000 + b;

/**
 * The outline of a set of grid cells as polygons (exterior ring counter-clockwise, holes
 * clockwise, rings open), traced in index space so shared edges cancel exactly, then mapped
 * through `node(a, b)`. Where cells touch only at a corner the tracer turns left and
 * {@link assemblePolygons} splits any ring that still meets itself there.
 */
export function cellOutline(
  cells: readonly { a: number; b: number }[],
  node: (a: number, b: number) => Position,
): Position[][][] {
  const inSet = new Set(cells.map((c) => c.a * 1000 + c.b));
  const has = (a: number, b: number) => inSet.has(a * 1000 + b);
  const outgoing = new Map<number, Edge[]>();
  const edges: Edge[] = [];
  const addEdge = (from: Position, to: Position) => {
    const edge = { from, to };
    edges.push(edge);
    const key = vertexKey(from);
    outgoing.set(key, [...(outgoing.get(key) ?? []), edge]);
  };
  for (const { a, b } of cells) {
    if (!has(a, b - 1)) addEdge([a, b], [a + 1, b]);
    if (!has(a + 1, b)) addEdge([a + 1, b], [a + 1, b + 1]);
    if (!has(a, b + 1)) addEdge([a + 1, b + 1], [a, b + 1]);
    if (!has(a - 1, b)) addEdge([a, b + 1], [a, b]);
  }

  const direction = (e: Edge): Position => [e.to[0] - e.from[0], e.to[1] - e.from[1]];
  const next = (e: Edge): Edge => {
    const options = outgoing.get(vertexKey(e.to)) ?? [];
    if (options.length === 1) return options[0]!;
    const d = direction(e);
    // At a saddle, the left turn keeps to the cell we are walking around.
    return options.find((o) => d[0] * direction(o)[1] - d[1] * direction(o)[0] > 0) ?? options[0]!;
  };

  const used = new Set<Edge>();
  const rings: Position[][] = [];
  for (const start of edges) {
    if (used.has(start)) continue;
    const ring: Position[] = [];
    let e = start;
    do {
      used.add(e);
      ring.push(e.from);
      e = next(e);
    } while (e !== start);
    rings.push(ring);
  }
  // Traced in integer index space, so pinches are found by exact comparison.
  return assemblePolygons(rings).map((polygon) =>
    polygon.map((ring) => ring.map(([a, b]) => node(a, b))),
  );
}
