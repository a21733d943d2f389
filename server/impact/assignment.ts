import { ShortestPaths, type RoadGraph } from './road-graph';

/** Default BPR parameters: t = t0 · (1 + 0.15 · (v/c)^4). */
export const BPR_ALPHA = 0.15;
export const BPR_BETA = 4;

/** BPR link travel time, seconds. */
export function bprTime(
  t0: number,
  volume: number,
  capacity: number,
  alpha = BPR_ALPHA,
  power = BPR_BETA,
): number {
  const r = volume / capacity;
  return t0 * (1 + alpha * (power === 4 ? r * r * r * r : r ** power));
}

/** Trips between zones: zone z sits at graph node `nodes[z]`; `trips[o * Z + d]` veh/h. */
export interface OdMatrix {
  nodes: Int32Array;
  trips: Float64Array;
}

/**
 * The paths an equilibrium uses, per OD pair (`o * zones + d`), with their flows: what a
 * scenario starts from (warm start), so that it changes only what the scenario changes.
 * Path arrays are never mutated once made, so states can share them.
 */
export interface AssignmentState {
  zones: number;
  paths: (Int32Array[] | undefined)[];
  flows: (number[] | undefined)[];
}

export interface AssignmentOptions {
  /** Column-generation iterations at most (each one shortest-path search per origin). */
  maxIterations?: number;
  /** Stop when the relative gap is at or below this. */
  gap?: number;
  /** Flow-shifting passes over the path sets per iteration (cheap: no searches). */
  innerPasses?: number;
  /** A starting solution whose zones and arcs match `graph` and `od` (see `warmState`). */
  warm?: AssignmentState;
  /** Stop after this many milliseconds (the result says how far it got). */
  timeBudgetMs?: number;
}

export interface AssignmentResult {
  /** Volume per arc, veh/h. */
  flow: Float64Array;
  /** BPR time per arc at that volume, seconds (without fixed generalised costs). */
  time: Float64Array;
  iterations: number;
  /** (Σ x·c − Σ demand · shortest path cost) ÷ Σ x·c at the returned flows, exactly. */
  relativeGap: number;
  /** Beckmann objective Σ ∫ c(v) dv, generalised cost units (seconds) × veh/h. */
  objective: number;
  /** Trips with no path (closed links can cut zones off), veh/h. */
  unservedTrips: number;
  state: AssignmentState;
}

/** Relative path-flow below which a path is dropped from its OD pair's set. */
const DROP = 1e-12;

/**
 * Static user-equilibrium assignment by path-based gradient projection (Jayakrishnan et al.,
 * TRR 1443, 1994; Chen, Lee & Jayakrishnan, 2002): each iteration runs one Dijkstra per origin at
 * the current costs — which gives the exact relative gap of the current flows and a new shortest
 * path per OD pair where one exists (column generation) — then shifts flow within each pair's path
 * set towards its cheapest path by a Newton step, (c_p − c_min) ÷ Σ c′ over the links the two paths
 * do not share, updating link costs at once (Gauss–Seidel). It reaches relative gaps of 10⁻⁶ and
 * below, where Frank–Wolfe methods stall near 10⁻⁴, and a solved state warm-starts a scenario.
 * Link cost: t0 · (1 + α (v/c)^p) plus a fixed generalised cost per arc; searches respect
 * `graph.noThrough` (zone centroids carry no through traffic).
 */
export function assignUserEquilibrium(
  graph: RoadGraph,
  od: OdMatrix,
  options: AssignmentOptions = {},
): AssignmentResult {
  const {
    maxIterations = 200,
    gap: target = 1e-4,
    innerPasses = 4,
    timeBudgetMs = Infinity,
  } = options;
  const started = performance.now();
  const m = graph.arcCount;
  const z = od.nodes.length;
  const state: AssignmentState = options.warm
    ? {
        zones: z,
        paths: options.warm.paths.slice(),
        flows: options.warm.flows.map((f) => f?.slice()),
      }
    : { zones: z, paths: new Array(z * z), flows: new Array(z * z) };
  if (state.paths.length !== z * z) throw new Error('warm state does not match the zone count');

  const x = new Float64Array(m);
  const cost = new Float64Array(m);
  const deriv = new Float64Array(m);
  const markA = new Int32Array(m);
  const markB = new Int32Array(m);
  let stamp = 0;
  const { t0, capacity, alpha, power, fixed } = graph;
  const update = (a: number) => {
    const c = capacity[a]!;
    const r = x[a]! / c;
    const p = power[a]!;
    const rp1 = p === 4 ? r * r * r : r ** (p - 1);
    cost[a] = t0[a]! * (1 + alpha[a]! * rp1 * r) + fixed[a]!;
    deriv[a] = (t0[a]! * alpha[a]! * p * rp1) / c;
  };

  // Arc flows of the starting paths, scaled to the demand (a warm state may carry older demand).
  for (let k = 0; k < z * z; k++) {
    const paths = state.paths[k];
    const flows = state.flows[k];
    const demand = od.trips[k]!;
    if (!paths || !flows || !(demand > 0)) {
      state.paths[k] = undefined;
      state.flows[k] = undefined;
      continue;
    }
    const sum = flows.reduce((s, f) => s + f, 0);
    if (!(sum > 0)) {
      state.paths[k] = undefined;
      state.flows[k] = undefined;
      continue;
    }
    const scale = demand / sum;
    for (let p = 0; p < paths.length; p++) {
      const f = (flows[p] = flows[p]! * scale);
      const path = paths[p]!;
      for (let i = 0; i < path.length; i++) x[path[i]!] += f;
    }
  }
  for (let a = 0; a < m; a++) update(a);

  const sp = new ShortestPaths(graph);
  const origins: number[] = [];
  for (let o = 0; o < z; o++) {
    for (let d = 0; d < z; d++) {
      if (d !== o && od.trips[o * z + d]! > 0) {
        origins.push(o);
        break;
      }
    }
  }

  const pathCost = (path: Int32Array) => {
    let s = 0;
    for (let i = 0; i < path.length; i++) s += cost[path[i]!]!;
    return s;
  };
  const load = (path: Int32Array, delta: number) => {
    for (let i = 0; i < path.length; i++) {
      const a = path[i]!;
      x[a] += delta;
      if (x[a]! < 0) x[a] = 0;
      update(a);
    }
  };

  // Warm start: pairs the state has no paths for (a new zone's trips) are loaded all-or-nothing
  // first, by as few searches as cover them — forward from an origin, or backward to a
  // destination — so the first gap computed is already that of a complete solution.
  if (options.warm) preload(graph, od, state, sp, cost, load);

  let iterations = 0;
  let relativeGap = Infinity;
  let unserved = 0;
  for (;;) {
    // Column generation at frozen costs: the gap of the current flows, and new shortest paths.
    let tstt = 0;
    for (let a = 0; a < m; a++) tstt += x[a]! * cost[a]!;
    let sptt = 0;
    let incomplete = false;
    unserved = 0;
    const added: { k: number; path: Int32Array }[] = [];
    for (const o of origins) {
      const origin = od.nodes[o]!;
      sp.run(origin, cost);
      for (let d = 0; d < z; d++) {
        const k = o * z + d;
        const demand = od.trips[k]!;
        if (d === o || !(demand > 0)) continue;
        const node = od.nodes[d]!;
        const dist = sp.dist[node]!;
        if (dist === Infinity) {
          unserved += demand;
          if (state.paths[k]) {
            // The pair lost every path (a closure cut it off): its flow leaves the network.
            const paths = state.paths[k]!;
            const flows = state.flows[k]!;
            paths.forEach((p, i) => load(p, -flows[i]!));
            state.paths[k] = undefined;
            state.flows[k] = undefined;
          }
          continue;
        }
        sptt += demand * dist;
        const paths = state.paths[k];
        let best = Infinity;
        if (paths) for (const p of paths) best = Math.min(best, pathCost(p));
        else incomplete = true;
        if (paths && !(dist < best - 1e-9 * Math.max(1, best))) continue;
        let len = 0;
        for (let v = node; v !== origin; v = graph.tail[sp.predArc[v]!]!) len++;
        const path = new Int32Array(len);
        for (let v = node, i = 0; v !== origin; v = graph.tail[sp.predArc[v]!]!)
          path[i++] = sp.predArc[v]!;
        added.push({ k, path });
      }
    }
    relativeGap = incomplete ? Infinity : tstt > 0 ? Math.max(0, (tstt - sptt) / tstt) : 0;
    if (
      relativeGap <= target ||
      iterations >= maxIterations ||
      performance.now() - started > timeBudgetMs
    )
      break;
    for (const { k, path } of added) {
      const paths = state.paths[k];
      if (!paths) {
        state.paths[k] = [path];
        state.flows[k] = [od.trips[k]!];
        load(path, od.trips[k]!);
      } else {
        state.paths[k] = [...paths, path];
        state.flows[k]!.push(0);
      }
    }
    iterations++;
    for (let pass = 0; pass < innerPasses; pass++) {
      for (let k = 0; k < z * z; k++) {
        const paths = state.paths[k];
        if (!paths || paths.length < 2) continue;
        const flows = state.flows[k]!;
        let star = 0;
        let cStar = Infinity;
        for (let p = 0; p < paths.length; p++) {
          const c = pathCost(paths[p]!);
          if (c < cStar) [star, cStar] = [p, c];
        }
        const best = paths[star]!;
        const sa = ++stamp;
        for (let i = 0; i < best.length; i++) markA[best[i]!] = sa;
        let dropped = false;
        for (let p = 0; p < paths.length; p++) {
          if (p === star || !(flows[p]! > 0)) continue;
          const path = paths[p]!;
          const sb = ++stamp;
          let c = 0;
          let s = 0;
          for (let i = 0; i < path.length; i++) {
            const a = path[i]!;
            markB[a] = sb;
            c += cost[a]!;
            if (markA[a] !== sa) s += deriv[a]!;
          }
          cStar = pathCost(best);
          for (let i = 0; i < best.length; i++) if (markB[best[i]!] !== sb) s += deriv[best[i]!]!;
          const diff = c - cStar;
          if (!(diff > 0)) continue;
          const shift = s > 0 ? Math.min(flows[p]!, diff / s) : flows[p]!;
          flows[p] = flows[p]! - shift;
          flows[star] = flows[star]! + shift;
          load(path, -shift);
          load(best, shift);
          if (flows[p]! <= DROP * od.trips[k]!) dropped = true;
        }
        if (dropped) {
          const keep = paths.map((_, p) => p === star || flows[p]! > DROP * od.trips[k]!);
          let lost = 0;
          paths.forEach((path, p) => {
            if (!keep[p]) {
              lost += flows[p]!;
              if (flows[p]! !== 0) load(path, -flows[p]!);
            }
          });
          const kept = flows.map((f, p) => (p === star ? f + lost : f)).filter((_, p) => keep[p]);
          if (lost !== 0) load(best, lost);
          state.paths[k] = paths.filter((_, p) => keep[p]);
          state.flows[k] = kept;
        }
      }
    }
  }

  const time = new Float64Array(m);
  let objective = 0;
  for (let a = 0; a < m; a++) {
    const v = x[a]!;
    time[a] = bprTime(t0[a]!, v, capacity[a]!, alpha[a]!, power[a]!);
    const p = power[a]!;
    objective += t0[a]! * (v + (alpha[a]! * v * (v / capacity[a]!) ** p) / (p + 1)) + fixed[a]! * v;
  }
  return { flow: x, time, iterations, relativeGap, objective, unservedTrips: unserved, state };
}

/** Loads the pairs without paths on their current shortest paths (greedy cover by searches). */
function preload(
  graph: RoadGraph,
  od: OdMatrix,
  state: AssignmentState,
  sp: ShortestPaths,
  cost: Float64Array,
  load: (path: Int32Array, delta: number) => void,
): void {
  const z = od.nodes.length;
  const empty = new Set<number>();
  for (let k = 0; k < z * z; k++)
    if (!state.paths[k] && od.trips[k]! > 0 && Math.floor(k / z) !== k % z) empty.add(k);
  if (empty.size === 0 || empty.size === z * z - z) return;
  while (empty.size > 0) {
    const byO = new Int32Array(z);
    const byD = new Int32Array(z);
    for (const k of empty) {
      byO[Math.floor(k / z)]!++;
      byD[k % z]!++;
    }
    let best = 0;
    let forward = true;
    let bestCount = -1;
    for (let i = 0; i < z; i++) {
      if (byO[i]! > bestCount) [best, forward, bestCount] = [i, true, byO[i]!];
      if (byD[i]! > bestCount) [best, forward, bestCount] = [i, false, byD[i]!];
    }
    const ks = [...empty].filter((k) => (forward ? Math.floor(k / z) : k % z) === best);
    if (forward) sp.run(od.nodes[best]!, cost);
    else sp.runReverse(od.nodes[best]!, cost);
    for (const k of ks) {
      empty.delete(k);
      const from = od.nodes[Math.floor(k / z)]!;
      const to = od.nodes[k % z]!;
      const path: number[] = [];
      if (forward) {
        if (sp.dist[to] === Infinity) continue;
        for (let v = to; v !== from; v = graph.tail[sp.predArc[v]!]!) path.push(sp.predArc[v]!);
      } else {
        if (sp.dist[from] === Infinity) continue;
        for (let v = from; v !== to; v = graph.head[sp.predArc[v]!]!) path.push(sp.predArc[v]!);
      }
      const p = Int32Array.from(path);
      state.paths[k] = [p];
      state.flows[k] = [od.trips[k]!];
      load(p, od.trips[k]!);
    }
  }
}

/**
 * A state for a changed problem: zones `0 … from.zones − 1` keep their numbers in a matrix of
 * `zones` zones; `arcMap[a]` is the new index of old arc a, or −1 where the arc is gone (paths over
 * it are dropped, and their pairs are loaded again on the new shortest path).
 */
export function warmState(
  from: AssignmentState,
  zones: number,
  arcMap?: Int32Array,
): AssignmentState {
  const z0 = from.zones;
  const out: AssignmentState = {
    zones,
    paths: new Array(zones * zones),
    flows: new Array(zones * zones),
  };
  for (let o = 0; o < z0; o++) {
    for (let d = 0; d < z0; d++) {
      const k = o * z0 + d;
      let paths = from.paths[k];
      let flows = from.flows[k];
      if (!paths || !flows) continue;
      if (arcMap) {
        const mapped: Int32Array[] = [];
        const kept: number[] = [];
        paths.forEach((p, i) => {
          const q = new Int32Array(p.length);
          for (let j = 0; j < p.length; j++) {
            const a = arcMap[p[j]!]!;
            if (a < 0) return;
            q[j] = a;
          }
          mapped.push(q);
          kept.push(flows![i]!);
        });
        if (mapped.length === 0) continue;
        [paths, flows] = [mapped, kept];
      }
      out.paths[o * zones + d] = paths;
      out.flows[o * zones + d] = flows.slice();
    }
  }
  return out;
}
