import { ShortestPaths, type RoadGraph } from './road-graph';

/** BPR parameters of the issue: t = t0 · (1 + 0.15 · (v/c)^4). */
export const BPR_ALPHA = 0.15;
export const BPR_BETA = 4;

/** BPR link travel time, seconds. */
export function bprTime(t0: number, volume: number, capacity: number): number {
  const r = volume / capacity;
  return t0 * (1 + BPR_ALPHA * r * r * r * r);
}

/** Trips between zones: zone z sits at graph node `nodes[z]`; `trips[o * Z + d]` veh/h. */
export interface OdMatrix {
  nodes: Int32Array;
  trips: Float64Array;
}

export interface AssignmentOptions {
  maxIterations?: number;
  /** Stop when the relative gap falls below this. */
  gap?: number;
  /** Conjugate Frank–Wolfe directions (default); false for the classic method. */
  conjugate?: boolean;
  /**
   * A starting flow per arc that is feasible for `od` (e.g. a previous equilibrium plus the
   * new trips loaded all-or-nothing); without it the first step is all-or-nothing on free flow.
   */
  initial?: Float64Array;
  /** Iterations to run even when the gap is already met (default 0). */
  minIterations?: number;
}

export interface AssignmentResult {
  /** Volume per arc, veh/h. */
  flow: Float64Array;
  /** BPR time per arc at that volume, seconds. */
  time: Float64Array;
  iterations: number;
  relativeGap: number;
  /** Trips with no path (closed links can cut zones off), veh/h. */
  unservedTrips: number;
}

/**
 * Static user-equilibrium assignment by the conjugate Frank–Wolfe method (Mitradjieva &
 * Lindberg, Transportation Science 47(2), 2013): each step loads all-or-nothing on the current
 * shortest paths, mixes that target with the previous one so successive directions are
 * conjugate with respect to the BPR Hessian (plain Frank–Wolfe when `conjugate` is false), then
 * takes an exact line search (bisection on the Beckmann objective's derivative).
 * Each all-or-nothing step runs one Dijkstra per origin zone and pushes the origin's demand up
 * the shortest-path tree in reverse settling order, O(V) per origin.
 */
export function assignUserEquilibrium(graph: RoadGraph, od: OdMatrix, options: AssignmentOptions = {}): AssignmentResult {
  const steps = equilibriumSteps(graph, od, options);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * The same, giving the event loop a turn after every iteration (tens of milliseconds each), so
 * a server computing an impact keeps answering tiles and live streams meanwhile.
 */
export async function assignUserEquilibriumAsync(
  graph: RoadGraph,
  od: OdMatrix,
  options: AssignmentOptions = {},
): Promise<AssignmentResult> {
  const steps = equilibriumSteps(graph, od, options);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function* equilibriumSteps(
  graph: RoadGraph,
  od: OdMatrix,
  { maxIterations = 50, gap = 1e-4, conjugate = true, initial, minIterations = 0 }: AssignmentOptions,
): Generator<void, AssignmentResult> {
  const m = graph.arcCount;
  const sp = new ShortestPaths(graph);
  const nodeLoad = new Float64Array(graph.nodeCount);
  const x = new Float64Array(m);
  const y = new Float64Array(m);
  const target = new Float64Array(m);
  const time = graph.t0.slice();

  let unserved = 0;
  if (initial) x.set(initial);
  else unserved = allOrNothing(graph, od, time, sp, nodeLoad, x);
  let iterations = 0;
  let relativeGap = Infinity;
  let havePrevious = false;
  for (; iterations < maxIterations; iterations++) {
    updateTimes(graph, x, time);
    unserved = allOrNothing(graph, od, time, sp, nodeLoad, y);
    let tx = 0;
    let ty = 0;
    for (let a = 0; a < m; a++) {
      tx += x[a]! * time[a]!;
      ty += y[a]! * time[a]!;
    }
    relativeGap = tx > 0 ? (tx - ty) / tx : 0;
    if (relativeGap < gap && iterations >= minIterations) break;
    let alpha = 0;
    if (conjugate && havePrevious) {
      // α makes (target − x) conjugate to the previous direction: with H = diag(t'(x)),
      // α = Σ (s−x)·H·(y−x) ÷ Σ (s−x)·H·(y−s), kept in [0, 1 − 1e-6].
      let num = 0;
      let den = 0;
      for (let a = 0; a < m; a++) {
        const h = bprDerivative(graph.t0[a]!, x[a]!, graph.capacity[a]!);
        const prev = target[a]! - x[a]!;
        num += prev * h * (y[a]! - x[a]!);
        den += prev * h * (y[a]! - target[a]!);
      }
      alpha = den !== 0 ? Math.min(Math.max(num / den, 0), 1 - 1e-6) : 0;
    }
    for (let a = 0; a < m; a++) target[a] = alpha * target[a]! + (1 - alpha) * y[a]!;
    havePrevious = true;
    const lambda = lineSearch(graph, x, target);
    for (let a = 0; a < m; a++) x[a] = x[a]! + lambda * (target[a]! - x[a]!);
    yield;
  }
  updateTimes(graph, x, time);
  return { flow: x, time, iterations, relativeGap, unservedTrips: unserved };
}

/** d t / d v of the BPR function, seconds per (veh/h). */
function bprDerivative(t0: number, volume: number, capacity: number): number {
  const r = volume / capacity;
  return (t0 * BPR_ALPHA * BPR_BETA * r * r * r) / capacity;
}

function updateTimes(graph: RoadGraph, flow: Float64Array, time: Float64Array): void {
  const { t0, capacity } = graph;
  for (let a = 0; a < graph.arcCount; a++) time[a] = bprTime(t0[a]!, flow[a]!, capacity[a]!);
}

/** Loads every OD pair on its shortest path under `cost` into `out`; returns unserved trips. */
export function allOrNothing(
  graph: RoadGraph,
  od: OdMatrix,
  cost: Float64Array,
  sp: ShortestPaths,
  nodeLoad: Float64Array,
  out: Float64Array,
): number {
  out.fill(0);
  const z = od.nodes.length;
  const { tail } = graph;
  let unserved = 0;
  for (let o = 0; o < z; o++) {
    const row = o * z;
    let any = false;
    for (let d = 0; d < z; d++) if (d !== o && od.trips[row + d]! > 0) any = true;
    if (!any) continue;
    const origin = od.nodes[o]!;
    sp.run(origin, cost);
    for (let d = 0; d < z; d++) {
      const t = od.trips[row + d]!;
      if (d === o || t <= 0) continue;
      const node = od.nodes[d]!;
      if (sp.dist[node] === Infinity) unserved += t;
      else nodeLoad[node] = nodeLoad[node]! + t;
    }
    for (let i = sp.settled - 1; i > 0; i--) {
      const v = sp.order[i]!;
      const load = nodeLoad[v]!;
      if (load === 0) continue;
      nodeLoad[v] = 0;
      const a = sp.predArc[v]!;
      out[a] = out[a]! + load;
      const u = tail[a]!;
      nodeLoad[u] = nodeLoad[u]! + load;
    }
    nodeLoad[origin] = 0;
  }
  return unserved;
}

/** λ in [0, 1] minimising Σ ∫ t(v) along x + λ(y − x): bisection on the derivative. */
function lineSearch(graph: RoadGraph, x: Float64Array, y: Float64Array): number {
  const { t0, capacity } = graph;
  const m = graph.arcCount;
  const derivative = (lambda: number) => {
    let s = 0;
    for (let a = 0; a < m; a++) {
      const dir = y[a]! - x[a]!;
      if (dir === 0) continue;
      const v = x[a]! + lambda * dir;
      s += dir * bprTime(t0[a]!, v, capacity[a]!);
    }
    return s;
  };
  if (derivative(1) <= 0) return 1;
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 24; i++) {
    const mid = (lo + hi) / 2;
    if (derivative(mid) > 0) hi = mid;
    else lo = mid;
  }
  return (lo + hi) / 2;
}
