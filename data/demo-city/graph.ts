/** Small undirected graph helpers over integer node keys (road, water and power networks). */

export interface GraphEdge {
  readonly from: number;
  readonly to: number;
  /** Traversal cost, usually metres. */
  readonly cost: number;
}

export type Adjacency = Map<number, { node: number; edge: number }[]>;

/** Undirected adjacency lists; `edge` is the index into `edges`. */
export function adjacency(edges: readonly GraphEdge[]): Adjacency {
  const adj: Adjacency = new Map();
  edges.forEach((e, edge) => {
    for (const [p, q] of [
      [e.from, e.to],
      [e.to, e.from],
    ] as const) {
      let list = adj.get(p);
      if (!list) adj.set(p, (list = []));
      list.push({ node: q, edge });
    }
  });
  return adj;
}

/** Connected components (each a list of node keys), largest first, ties by first key. */
export function components(nodes: readonly number[], adj: Adjacency): number[][] {
  const seen = new Set<number>();
  const out: number[][] = [];
  for (const start of nodes) {
    if (seen.has(start)) continue;
    const component = [start];
    seen.add(start);
    for (let i = 0; i < component.length; i++) {
      for (const { node } of adj.get(component[i]!) ?? []) {
        if (!seen.has(node)) {
          seen.add(node);
          component.push(node);
        }
      }
    }
    out.push(component);
  }
  return out.sort((p, q) => q.length - p.length || p[0]! - q[0]!);
}

export interface ShortestPaths {
  readonly dist: Map<number, number>;
  /** For each reached node but the sources: the previous node and the edge taken. */
  readonly prev: Map<number, { node: number; edge: number }>;
  /** Which source each node was reached from. */
  readonly source: Map<number, number>;
  /** Nodes in the order they were settled (non-decreasing distance). */
  readonly order: number[];
}

/** Multi-source Dijkstra with a binary heap; `weight` defaults to the edge cost. */
export function dijkstra(
  edges: readonly GraphEdge[],
  adj: Adjacency,
  sources: readonly number[],
  weight: (edge: number) => number = (i) => edges[i]!.cost,
): ShortestPaths {
  const dist = new Map<number, number>();
  const prev = new Map<number, { node: number; edge: number }>();
  const source = new Map<number, number>();
  const order: number[] = [];
  const heap = new MinHeap();
  for (const s of sources) {
    dist.set(s, 0);
    source.set(s, s);
    heap.push(0, s);
  }
  const done = new Set<number>();
  while (heap.size > 0) {
    const [d, node] = heap.pop();
    if (done.has(node)) continue;
    done.add(node);
    order.push(node);
    for (const { node: next, edge } of adj.get(node) ?? []) {
      const nd = d + weight(edge);
      if (nd < (dist.get(next) ?? Infinity)) {
        dist.set(next, nd);
        prev.set(next, { node, edge });
        source.set(next, source.get(node)!);
        heap.push(nd, next);
      }
    }
  }
  return { dist, prev, source, order };
}

/** Node keys and edges from `target` back to its source, source first. */
export function pathTo(paths: ShortestPaths, target: number) {
  const nodes = [target];
  const edges: number[] = [];
  for (let step = paths.prev.get(target); step; step = paths.prev.get(step.node)) {
    nodes.push(step.node);
    edges.push(step.edge);
  }
  return { nodes: nodes.reverse(), edges: edges.reverse() };
}

/** Binary min-heap of (priority, value); ties broken by value so results are deterministic. */
class MinHeap {
  readonly #items: [number, number][] = [];

  get size(): number {
    return this.#items.length;
  }

  push(priority: number, value: number): void {
    const items = this.#items;
    items.push([priority, value]);
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (!less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  pop(): [number, number] {
    const items = this.#items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && less(items[l]!, items[m]!)) m = l;
        if (r < items.length && less(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top;
  }
}

const less = (p: [number, number], q: [number, number]) =>
  p[0] < q[0] || (p[0] === q[0] && p[1] < q[1]);
