/**
 * The road network as compact typed arrays (forward star / CSR): one directed arc per driving
 * direction of each link (`road_links` holds one row per segment; a link that is not `oneway`
 * gives two arcs). Built once per network state and shared by every shortest-path search.
 */

export interface GraphLink {
  /** Dense node indices (0 … nodeCount-1), not database ids. */
  from: number;
  to: number;
  oneway: boolean;
  lengthM: number;
  speedKmh: number;
  /** Capacity per direction, vehicles per hour. */
  capacityVehH: number;
  /** BPR α (TNTP "B"); default 0.15. */
  bprAlpha?: number;
  /** BPR power (TNTP "power"); default 4. */
  bprPower?: number;
  /** A fixed generalised cost added to the travel time (tolls, distance), seconds. */
  fixedCostS?: number;
  /** Free-flow time in seconds, when given directly (TNTP) rather than from length ÷ speed. */
  freeFlowS?: number;
}

export interface RoadGraph {
  nodeCount: number;
  arcCount: number;
  /** Arcs leaving node v are firstOut[v] … firstOut[v+1]-1. */
  firstOut: Int32Array;
  tail: Int32Array;
  head: Int32Array;
  /** Free-flow travel time, seconds. */
  t0: Float64Array;
  capacity: Float64Array;
  lengthM: Float64Array;
  /** Index of the link in the input array each arc came from. */
  link: Int32Array;
  /** BPR t = t0 · (1 + alpha · (v/c)^power) per arc. */
  alpha: Float64Array;
  power: Float64Array;
  /** Fixed generalised cost per arc (tolls, distance), seconds; 0 for a plain time. */
  fixed: Float64Array;
  /**
   * 1 for nodes no path may pass through (zone centroids, TNTP nodes below
   * `<FIRST THRU NODE>`): a search leaves such a node only when it starts there.
   */
  noThrough: Uint8Array;
}

/** Free-flow time never below 0.1 s, so zero-length links keep a positive cost. */
const MIN_T0 = 0.1;

export function buildRoadGraph(nodeCount: number, links: readonly GraphLink[]): RoadGraph {
  let arcCount = 0;
  for (const l of links) arcCount += l.oneway ? 1 : 2;
  const degree = new Int32Array(nodeCount + 1);
  for (const l of links) {
    degree[l.from]!++;
    if (!l.oneway) degree[l.to]!++;
  }
  const firstOut = new Int32Array(nodeCount + 1);
  for (let v = 0; v < nodeCount; v++) firstOut[v + 1] = firstOut[v]! + degree[v]!;
  const next = firstOut.slice(0, nodeCount);
  const g: RoadGraph = {
    nodeCount,
    arcCount,
    firstOut,
    tail: new Int32Array(arcCount),
    head: new Int32Array(arcCount),
    t0: new Float64Array(arcCount),
    capacity: new Float64Array(arcCount),
    lengthM: new Float64Array(arcCount),
    link: new Int32Array(arcCount),
    alpha: new Float64Array(arcCount),
    power: new Float64Array(arcCount),
    fixed: new Float64Array(arcCount),
    noThrough: new Uint8Array(nodeCount),
  };
  const put = (i: number, from: number, to: number) => {
    const l = links[i]!;
    const a = next[from]!++;
    g.tail[a] = from;
    g.head[a] = to;
    g.t0[a] =
      l.freeFlowS !== undefined
        ? Math.max(0, l.freeFlowS)
        : Math.max(MIN_T0, l.lengthM / (l.speedKmh / 3.6));
    g.capacity[a] = Math.max(1e-9, l.capacityVehH);
    g.lengthM[a] = l.lengthM;
    g.link[a] = i;
    g.alpha[a] = l.bprAlpha ?? 0.15;
    g.power[a] = l.bprPower ?? 4;
    g.fixed[a] = l.fixedCostS ?? 0;
  };
  links.forEach((l, i) => {
    put(i, l.from, l.to);
    if (!l.oneway) put(i, l.to, l.from);
  });
  return g;
}

/** Arcs by head node (reverse forward-star), for searches towards a target; built once per graph. */
const reverse = new WeakMap<RoadGraph, { firstIn: Int32Array; inArc: Int32Array }>();
function reverseIndex(g: RoadGraph): { firstIn: Int32Array; inArc: Int32Array } {
  let r = reverse.get(g);
  if (!r) {
    const firstIn = new Int32Array(g.nodeCount + 1);
    for (let a = 0; a < g.arcCount; a++) firstIn[g.head[a]! + 1]!++;
    for (let v = 0; v < g.nodeCount; v++) firstIn[v + 1] = firstIn[v + 1]! + firstIn[v]!;
    const next = firstIn.slice(0, g.nodeCount);
    const inArc = new Int32Array(g.arcCount);
    for (let a = 0; a < g.arcCount; a++) inArc[next[g.head[a]!]!++] = a;
    reverse.set(g, (r = { firstIn, inArc }));
  }
  return r;
}

/** Scratch space for repeated searches on one graph: nothing is allocated per search. */
export class ShortestPaths {
  readonly dist: Float64Array;
  readonly predArc: Int32Array;
  /** Nodes in the order they were settled; the first `settled` entries are valid. */
  readonly order: Int32Array;
  settled = 0;
  readonly #heap: Int32Array;
  readonly #pos: Int32Array;
  #size = 0;

  constructor(readonly graph: RoadGraph) {
    const n = graph.nodeCount;
    this.dist = new Float64Array(n);
    this.predArc = new Int32Array(n);
    this.order = new Int32Array(n);
    this.#heap = new Int32Array(n);
    this.#pos = new Int32Array(n);
  }

  /**
   * Dijkstra from `source` with arc costs `cost` (indexed by arc), binary heap with decrease-key.
   * Nodes marked `noThrough` are reached but never left, except the source itself.
   */
  run(source: number, cost: Float64Array): void {
    const { firstOut, head } = this.graph;
    this.#search(source, cost, firstOut, null, head);
  }

  /**
   * Dijkstra towards `target` over arcs reversed: `dist[v]` is the cost from v to the target and
   * `predArc[v]` the arc leaving v on that path. Nodes marked `noThrough` are only path starts.
   */
  runReverse(target: number, cost: Float64Array): void {
    const { firstIn, inArc } = reverseIndex(this.graph);
    this.#search(target, cost, firstIn, inArc, this.graph.tail);
  }

  /**
   * The search of `run` and `runReverse` from `start`: node u's arcs are `arcOf[i]` (or `i` itself
   * when `arcOf` is null) for i in `first[u]` … `first[u + 1]`, each leading to `next[arc]`.
   */
  #search(
    start: number,
    cost: Float64Array,
    first: Int32Array,
    arcOf: Int32Array | null,
    next: Int32Array,
  ): void {
    const { noThrough } = this.graph;
    const dist = this.dist;
    const pred = this.predArc;
    const pos = this.#pos;
    dist.fill(Infinity);
    pred.fill(-1);
    pos.fill(-1);
    this.#size = 0;
    this.settled = 0;
    dist[start] = 0;
    this.#push(start);
    while (this.#size > 0) {
      const u = this.#pop();
      pos[u] = -2; // settled
      this.order[this.settled++] = u;
      if (noThrough[u] === 1 && u !== start) continue;
      const du = dist[u]!;
      for (let i = first[u]!, end = first[u + 1]!; i < end; i++) {
        const a = arcOf === null ? i : arcOf[i]!;
        const v = next[a]!;
        if (pos[v] === -2) continue;
        const dv = du + cost[a]!;
        if (dv < dist[v]!) {
          dist[v] = dv;
          pred[v] = a;
          if (pos[v] === -1) this.#push(v);
          else this.#up(pos[v]!);
        }
      }
    }
  }

  #push(v: number): void {
    const i = this.#size++;
    this.#heap[i] = v;
    this.#pos[v] = i;
    this.#up(i);
  }

  #pop(): number {
    const heap = this.#heap;
    const top = heap[0]!;
    const last = heap[--this.#size]!;
    if (this.#size > 0) {
      heap[0] = last;
      this.#pos[last] = 0;
      this.#down(0);
    }
    return top;
  }

  #up(i: number): void {
    const heap = this.#heap;
    const pos = this.#pos;
    const dist = this.dist;
    const v = heap[i]!;
    const d = dist[v]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pv = heap[p]!;
      if (dist[pv]! <= d) break;
      heap[i] = pv;
      pos[pv] = i;
      i = p;
    }
    heap[i] = v;
    pos[v] = i;
  }

  #down(i: number): void {
    const heap = this.#heap;
    const pos = this.#pos;
    const dist = this.dist;
    const n = this.#size;
    const v = heap[i]!;
    const d = dist[v]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && dist[heap[c + 1]!]! < dist[heap[c]!]!) c++;
      const cv = heap[c]!;
      if (dist[cv]! >= d) break;
      heap[i] = cv;
      pos[cv] = i;
      i = c;
    }
    heap[i] = v;
    pos[v] = i;
  }
}
