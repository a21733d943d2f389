import { allOrNothing, assignUserEquilibriumAsync, bprTime, type AssignmentResult } from './assignment';
import { gravityDistribution } from './gravity';
import { PointIndex } from './point-index';
import { buildRoadGraph, ShortestPaths, type GraphLink, type RoadGraph } from './road-graph';

/**
 * The traffic model: zones on a grid over the road nodes, peak-hour trips per zone (half
 * leaving, half arriving), a gravity distribution on free-flow times and a Frank–Wolfe
 * user-equilibrium assignment with BPR link times.
 */

export interface RoadNetwork {
  nodeCount: number;
  x: Float64Array;
  y: Float64Array;
  links: readonly NetworkLink[];
}

export type NetworkLink = GraphLink & { id: string; lanes: number };

export interface Zones {
  /** Graph node each zone loads at. */
  node: Int32Array;
  /** Zone of each graph node. */
  zoneOfNode: Int32Array;
}

/** The baseline is computed once per city and factor state, so it converges further. */
export const BASELINE_ASSIGNMENT = { maxIterations: 60, gap: 1e-3 };
/** Cold-started scenarios (closures, removed trips): from free flow, like the baseline. */
export const SCENARIO_ASSIGNMENT = { maxIterations: 40, minIterations: 4 };
/**
 * Warm-started scenarios take exactly this many steps from the baseline equilibrium, and are
 * compared with the baseline continued by the same steps, so that what differs is the
 * scenario and not further convergence of the whole network (an empty scenario differs by 0).
 */
export const WARM_STEPS = 6;

export interface TrafficReference {
  result: AssignmentResult;
  links: LinkResults;
  kpis: Kpis;
}

/** The baseline continued by WARM_STEPS iterations: the reference for warm-started scenarios. */
export async function continuedBaseline(base: TrafficBaseline): Promise<TrafficReference> {
  if (!base.continued) {
    const result = await assignUserEquilibriumAsync(base.graph, { nodes: base.zones.node, trips: base.od }, {
      initial: base.result.flow,
      maxIterations: WARM_STEPS,
      gap: 0,
    });
    base.continued = { result, links: linkResults(base.graph, base.net.links.length, result), kpis: kpis(base.graph, result, base.kpis.trips) };
  }
  return base.continued;
}

/** Zones: grid cells of about `target` cells holding nodes; each loads at the node nearest its nodes' mean. */
export function gridZones(net: RoadNetwork, target = 120): Zones {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (let i = 0; i < net.nodeCount; i++) {
    minX = Math.min(minX, net.x[i]!); maxX = Math.max(maxX, net.x[i]!);
    minY = Math.min(minY, net.y[i]!); maxY = Math.max(maxY, net.y[i]!);
  }
  const cell = Math.max(1, Math.sqrt(((maxX - minX) * (maxY - minY)) / target));
  const cellOf = new Map<string, number[]>();
  for (let i = 0; i < net.nodeCount; i++) {
    const key = `${Math.floor((net.x[i]! - minX) / cell)},${Math.floor((net.y[i]! - minY) / cell)}`;
    let l = cellOf.get(key);
    if (!l) cellOf.set(key, (l = []));
    l.push(i);
  }
  const zoneOfNode = new Int32Array(net.nodeCount);
  const nodes: number[] = [];
  for (const members of [...cellOf.values()]) {
    const mx = members.reduce((s, i) => s + net.x[i]!, 0) / members.length;
    const my = members.reduce((s, i) => s + net.y[i]!, 0) / members.length;
    let best = members[0]!;
    let bestD = Infinity;
    for (const i of members) {
      const d = (net.x[i]! - mx) ** 2 + (net.y[i]! - my) ** 2;
      if (d < bestD) [best, bestD] = [i, d];
    }
    for (const i of members) zoneOfNode[i] = nodes.length;
    nodes.push(best);
  }
  return { node: Int32Array.from(nodes), zoneOfNode };
}

/** Free-flow time in minutes from each of `origins` to each of `targets` (row-major). */
export function freeFlowMinutes(graph: RoadGraph, origins: Int32Array, targets: Int32Array): Float64Array {
  const sp = new ShortestPaths(graph);
  const out = new Float64Array(origins.length * targets.length);
  origins.forEach((o, i) => {
    sp.run(o, graph.t0);
    targets.forEach((t, j) => (out[i * targets.length + j] = sp.dist[t]! / 60));
  });
  return out;
}

export interface LinkResults {
  /** Per input link: both directions summed, veh/h. */
  volume: Float64Array;
  /** Per input link: the larger direction's volume ÷ capacity. */
  vc: Float64Array;
  /** Per input link: the larger direction's BPR time, seconds. */
  timeS: Float64Array;
}

export interface Kpis {
  vehicle_km: number;
  vehicle_hours: number;
  /** Mean delay over free flow per assigned trip, seconds. */
  mean_delay_s: number;
  trips: number;
  unserved_trips: number;
}

export function linkResults(graph: RoadGraph, linkCount: number, r: AssignmentResult): LinkResults {
  const out: LinkResults = {
    volume: new Float64Array(linkCount),
    vc: new Float64Array(linkCount),
    timeS: new Float64Array(linkCount),
  };
  for (let a = 0; a < graph.arcCount; a++) {
    const l = graph.link[a]!;
    out.volume[l] = out.volume[l]! + r.flow[a]!;
    out.vc[l] = Math.max(out.vc[l]!, r.flow[a]! / graph.capacity[a]!);
    out.timeS[l] = Math.max(out.timeS[l]!, r.time[a]!);
  }
  return out;
}

export function kpis(graph: RoadGraph, r: AssignmentResult, trips: number): Kpis {
  let vkm = 0, vh = 0, delay = 0;
  for (let a = 0; a < graph.arcCount; a++) {
    const f = r.flow[a]!;
    if (f === 0) continue;
    vkm += (f * graph.lengthM[a]!) / 1000;
    vh += (f * r.time[a]!) / 3600;
    delay += f * (r.time[a]! - graph.t0[a]!);
  }
  const assigned = trips - r.unservedTrips;
  return {
    vehicle_km: vkm,
    vehicle_hours: vh,
    mean_delay_s: assigned > 0 ? delay / assigned : 0,
    trips,
    unserved_trips: r.unservedTrips,
  };
}

export interface TrafficBaseline {
  net: RoadNetwork;
  graph: RoadGraph;
  zones: Zones;
  nodeIndex: PointIndex;
  productions: Float64Array;
  attractions: Float64Array;
  /** Zone-to-zone free-flow minutes on the baseline network. */
  cost: Float64Array;
  od: Float64Array;
  result: AssignmentResult;
  links: LinkResults;
  kpis: Kpis;
  /** Lazily: the baseline continued by WARM_STEPS iterations. */
  continued?: TrafficReference;
}

/**
 * Baseline traffic from trips generated at points (buildings): each point loads at its nearest
 * road node's zone. `scale` multiplies the whole matrix (sensor calibration).
 */
export async function trafficBaseline(
  net: RoadNetwork,
  points: { x: Float64Array; y: Float64Array; trips: Float64Array },
  betaPerMin: number,
  options: { zones?: number; scale?: number } = {},
): Promise<TrafficBaseline> {
  const graph = buildRoadGraph(net.nodeCount, net.links);
  const zones = gridZones(net, options.zones);
  const nodeIndex = new PointIndex(net.x, net.y);
  const z = zones.node.length;
  const productions = new Float64Array(z);
  for (let i = 0; i < points.trips.length; i++) {
    const node = nodeIndex.nearest(points.x[i]!, points.y[i]!);
    if (node >= 0) productions[zones.zoneOfNode[node]!] += points.trips[i]! / 2;
  }
  const attractions = productions.slice();
  const cost = freeFlowMinutes(graph, zones.node, zones.node);
  const od = gravityDistribution(productions, attractions, cost, betaPerMin);
  const scale = options.scale ?? 1;
  if (scale !== 1) for (let i = 0; i < od.length; i++) od[i] = od[i]! * scale;
  const result = await assignUserEquilibriumAsync(graph, { nodes: zones.node, trips: od }, BASELINE_ASSIGNMENT);
  const total = od.reduce((s, t) => s + t, 0);
  return {
    net, graph, zones, nodeIndex, productions, attractions, cost, od, result,
    links: linkResults(graph, net.links.length, result),
    kpis: kpis(graph, result, total),
  };
}

/** A change of peak-hour trips at a point: added buildings (+), demolished ones (−). */
export interface DemandChange {
  x: number;
  y: number;
  trips: number;
}

export interface RoadChange {
  /** Index into the baseline links. */
  link: number;
  closed?: boolean;
  lanes?: number;
  speedKmh?: number;
  capacityVehH?: number;
}

export interface TrafficScenario {
  graph: RoadGraph;
  /** Baseline links (edited, closed ones with zero volume) then added links. */
  links: LinkResults;
  kpis: Kpis;
  result: AssignmentResult;
  /** Started from the baseline equilibrium (no closures, no removed trips). */
  warmStart: boolean;
  /** The baseline state the scenario's changes are measured against. */
  reference: TrafficReference;
}

/** The arc of (link, direction) — index 2·link + (0 forward, 1 backward) — or -1. */
function arcLookup(graph: RoadGraph, links: readonly GraphLink[]): Int32Array {
  const out = new Int32Array(2 * links.length).fill(-1);
  for (let a = 0; a < graph.arcCount; a++) {
    const l = graph.link[a]!;
    out[2 * l + (graph.tail[a] === links[l]!.from ? 0 : 1)] = a;
  }
  return out;
}

/**
 * The scenario: the baseline matrix with rows and columns of zones that lose trips scaled down,
 * plus one new zone per added trip source (at its nearest node) exchanging half its trips out and
 * half in with every zone by the same gravity model; then assigned on the edited network.
 */
export async function trafficScenario(
  base: TrafficBaseline,
  changes: readonly DemandChange[],
  roadChanges: readonly RoadChange[],
  addedLinks: readonly NetworkLink[],
  betaPerMin: number,
): Promise<TrafficScenario> {
  const linkCount = base.net.links.length;
  const edited = base.net.links.map((l) => ({ ...l }));
  const closed = new Set<number>();
  for (const c of roadChanges) {
    const l = edited[c.link]!;
    if (c.closed) closed.add(c.link);
    else if (c.closed === false) closed.delete(c.link);
    if (c.lanes !== undefined) {
      if (c.capacityVehH === undefined) l.capacityVehH = (l.capacityVehH * c.lanes) / Math.max(1, l.lanes);
      l.lanes = c.lanes;
    }
    if (c.capacityVehH !== undefined) l.capacityVehH = c.capacityVehH;
    if (c.speedKmh !== undefined) l.speedKmh = c.speedKmh;
  }
  // Closed links stay in the link list (so indices hold) but carry no arcs.
  const all = [...edited, ...addedLinks];
  const open = all.map((l, i) => ({ l, i })).filter(({ i }) => !closed.has(i));
  const g = buildRoadGraph(base.net.nodeCount, open.map(({ l }) => l));
  for (let a = 0; a < g.arcCount; a++) g.link[a] = open[g.link[a]!]!.i;

  const z0 = base.zones.node.length;
  const removals = new Float64Array(z0);
  const added: { node: number; trips: number }[] = [];
  for (const c of changes) {
    const node = base.nodeIndex.nearest(c.x, c.y);
    if (node < 0 || c.trips === 0) continue;
    if (c.trips < 0) removals[base.zones.zoneOfNode[node]!] += -c.trips / 2;
    else added.push({ node, trips: c.trips });
  }
  const z = z0 + added.length;
  const od = new Float64Array(z * z);
  const keep = Float64Array.from(base.productions, (p, i) => (p > 0 ? Math.max(0, p - removals[i]!) / p : 1));
  for (let i = 0; i < z0; i++) {
    for (let j = 0; j < z0; j++) od[i * z + j] = base.od[i * z0 + j]! * keep[i]! * keep[j]!;
  }
  const nodes = new Int32Array(z);
  nodes.set(base.zones.node);
  if (added.length > 0) {
    const newNodes = Int32Array.from(added, (a) => a.node);
    const cost = freeFlowMinutes(base.graph, newNodes, base.zones.node);
    added.forEach((a, k) => {
      const zi = z0 + k;
      nodes[zi] = a.node;
      let sum = 0;
      const w = new Float64Array(z0);
      for (let j = 0; j < z0; j++) {
        const c = cost[k * z0 + j]!;
        w[j] = Number.isFinite(c) && base.zones.node[j] !== a.node ? base.attractions[j]! * keep[j]! * Math.exp(-betaPerMin * c) : 0;
        sum += w[j]!;
      }
      if (sum <= 0) return;
      for (let j = 0; j < z0; j++) {
        const t = ((a.trips / 2) * w[j]!) / sum;
        od[zi * z + j] = od[zi * z + j]! + t;
        od[j * z + zi] = od[j * z + zi]! + t;
      }
    });
  }
  // Warm start: when no trips are removed and no link is closed, the baseline equilibrium plus
  // the new trips loaded all-or-nothing is feasible, and the assignment moves on from there
  // to the baseline's convergence; changes then reflect the scenario, not solver noise.
  const removesTrips = removals.some((r) => r > 0);
  let initial: Float64Array | undefined;
  if (!removesTrips && closed.size === 0) {
    initial = new Float64Array(g.arcCount);
    const baseArc = arcLookup(base.graph, base.net.links);
    for (let a = 0; a < g.arcCount; a++) {
      const l = g.link[a]!;
      if (l >= linkCount) continue;
      const dir = g.tail[a] === all[l]!.from ? 0 : 1;
      const b = baseArc[2 * l + dir]!;
      if (b >= 0) initial[a] = base.result.flow[b]!;
    }
    const time = new Float64Array(g.arcCount);
    for (let a = 0; a < g.arcCount; a++) time[a] = bprTime(g.t0[a]!, initial[a]!, g.capacity[a]!);
    const delta = new Float64Array(z * z);
    for (let i = z0; i < z; i++) {
      for (let j = 0; j < z; j++) {
        delta[i * z + j] = od[i * z + j]!;
        delta[j * z + i] = od[j * z + i]!;
      }
    }
    const added = new Float64Array(g.arcCount);
    allOrNothing(g, { nodes, trips: delta }, time, new ShortestPaths(g), new Float64Array(g.nodeCount), added);
    for (let a = 0; a < g.arcCount; a++) initial[a] = initial[a]! + added[a]!;
  }
  const result = initial
    ? await assignUserEquilibriumAsync(g, { nodes, trips: od }, { initial, maxIterations: WARM_STEPS, gap: 0 })
    : await assignUserEquilibriumAsync(g, { nodes, trips: od }, { ...SCENARIO_ASSIGNMENT, gap: Math.max(base.result.relativeGap, 1e-4) });
  const total = od.reduce((s, t) => s + t, 0);
  return {
    graph: g,
    result,
    links: linkResults(g, linkCount + addedLinks.length, result),
    kpis: kpis(g, result, total),
    warmStart: Boolean(initial),
    reference: initial ? await continuedBaseline(base) : { result: base.result, links: base.links, kpis: base.kpis },
  };
}
