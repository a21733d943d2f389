import type { TrafficKpis } from '../../common/scenario-types';
import { assignUserEquilibrium, warmState, type AssignmentResult } from './assignment';
import { gravityDistribution } from './gravity';
import { PointIndex } from './point-index';
import { buildRoadGraph, ShortestPaths, type GraphLink, type RoadGraph } from './road-graph';

/**
 * The traffic model: ~120 grid zones over the road nodes, each with a centroid joined to the
 * road network by zone connectors (the centroid carries no through traffic); peak-hour trips
 * per zone from the buildings in it (half leaving, half arriving); a gravity distribution on
 * free-flow times (calibrated to counts by `odme.ts`); a path-based user-equilibrium
 * assignment with BPR link times, converged to a relative gap of 10⁻⁵ for the baseline, and
 * scenarios warm-started from the baseline's paths.
 */

export interface RoadNetwork {
  nodeCount: number;
  x: Float64Array;
  y: Float64Array;
  links: readonly NetworkLink[];
}

export type NetworkLink = GraphLink & { id: string; lanes: number };

/** A building farther than this from every road node is outside the modelled area. */
export const MAX_CONNECT_M = 1500;
/** Connector speed, km/h: the walk/drive from the door to the street. */
const CONNECTOR_KMH = 20;
/** Road nodes each zone centroid is joined to. */
const CONNECTORS_PER_ZONE = 4;
/** Road nodes an added building's own zone is joined to. */
const CONNECTORS_PER_SITE = 2;

/** The baseline is solved once per city, factor and calibration state, so it converges further. */
export const BASELINE_GAP = 1e-5;
/** Every scenario is reported at this relative gap or better (the convergence standard). */
export const SCENARIO_GAP = 1e-4;

export interface Zones {
  count: number;
  /** Zone of each road node. */
  zoneOfNode: Int32Array;
  /** Centroid positions (EPSG:3857). */
  x: Float64Array;
  y: Float64Array;
  members: number[][];
}

/** Zones: grid cells of about `target` cells holding road nodes; the centroid at their nodes' mean. */
export function gridZones(net: RoadNetwork, target = 120): Zones {
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (let i = 0; i < net.nodeCount; i++) {
    minX = Math.min(minX, net.x[i]!);
    maxX = Math.max(maxX, net.x[i]!);
    minY = Math.min(minY, net.y[i]!);
    maxY = Math.max(maxY, net.y[i]!);
  }
  const cell = Math.max(1, Math.sqrt(((maxX - minX) * (maxY - minY)) / target));
  const cellOf = new Map<string, number[]>();
  for (let i = 0; i < net.nodeCount; i++) {
    const key = `${Math.floor((net.x[i]! - minX) / cell)},${Math.floor((net.y[i]! - minY) / cell)}`;
    let l = cellOf.get(key);
    if (!l) cellOf.set(key, (l = []));
    l.push(i);
  }
  const members = [...cellOf.values()];
  const zoneOfNode = new Int32Array(net.nodeCount).fill(-1);
  const x = new Float64Array(members.length);
  const y = new Float64Array(members.length);
  members.forEach((m, z) => {
    for (const i of m) zoneOfNode[i] = z;
    x[z] = m.reduce((s, i) => s + net.x[i]!, 0) / m.length;
    y[z] = m.reduce((s, i) => s + net.y[i]!, 0) / m.length;
  });
  return { count: members.length, zoneOfNode, x, y, members };
}

/** Connector links both ways between a centroid node and road nodes, ground length, no congestion. */
function connectorLinks(
  net: RoadNetwork,
  centroid: number,
  cx: number,
  cy: number,
  nodes: number[],
): NetworkLink[] {
  const scale = Math.sqrt(Math.cos(Math.atan(Math.sinh(cy / 6_378_137))) ** 2);
  return nodes.map((n) => ({
    id: `connector:${centroid}:${n}`,
    from: centroid,
    to: n,
    oneway: false,
    lengthM: Math.max(10, Math.hypot(net.x[n]! - cx, net.y[n]! - cy) * scale),
    speedKmh: CONNECTOR_KMH,
    capacityVehH: 1e9,
    lanes: 1,
    bprAlpha: 0,
  }));
}

/** Free-flow time in minutes from each of `origins` to each of `targets` (row-major). */
export function freeFlowMinutes(
  graph: RoadGraph,
  origins: Int32Array,
  targets: Int32Array,
): Float64Array {
  const sp = new ShortestPaths(graph);
  const out = new Float64Array(origins.length * targets.length);
  const cost = graph.t0.slice();
  for (let a = 0; a < graph.arcCount; a++) cost[a] = cost[a]! + graph.fixed[a]!;
  origins.forEach((o, i) => {
    sp.run(o, cost);
    targets.forEach((t, j) => (out[i * targets.length + j] = sp.dist[t]! / 60));
  });
  return out;
}

export interface LinkResults {
  /** Per road link: both directions summed, veh/h. */
  volume: Float64Array;
  /** Per road link: the larger direction's volume ÷ capacity. */
  vc: Float64Array;
  /** Per road link: the larger direction's BPR time, seconds. */
  timeS: Float64Array;
}

/** A solved network: the graph, which arcs are roads (not connectors), and the assignment. */
export interface TrafficSolution {
  graph: RoadGraph;
  /** Road links (indices into the link list) count; arcs of links ≥ this are connectors unless listed in `extraRoads`. */
  roadArc: Uint8Array;
  result: AssignmentResult;
  links: LinkResults;
  kpis: TrafficKpis;
}

export function linkResults(
  graph: RoadGraph,
  roadArc: Uint8Array,
  linkCount: number,
  r: AssignmentResult,
): LinkResults {
  const out: LinkResults = {
    volume: new Float64Array(linkCount),
    vc: new Float64Array(linkCount),
    timeS: new Float64Array(linkCount),
  };
  for (let a = 0; a < graph.arcCount; a++) {
    if (!roadArc[a]) continue;
    const l = graph.link[a]!;
    out.volume[l] = out.volume[l]! + r.flow[a]!;
    out.vc[l] = Math.max(out.vc[l]!, r.flow[a]! / graph.capacity[a]!);
    out.timeS[l] = Math.max(out.timeS[l]!, r.time[a]!);
  }
  return out;
}

export function kpis(
  graph: RoadGraph,
  roadArc: Uint8Array,
  links: LinkResults,
  r: AssignmentResult,
  trips: number,
): TrafficKpis {
  let vkm = 0,
    vh = 0,
    delay = 0,
    free = 0;
  for (let a = 0; a < graph.arcCount; a++) {
    const f = r.flow[a]!;
    if (f === 0 || !roadArc[a]) continue;
    vkm += (f * graph.lengthM[a]!) / 1000;
    vh += (f * r.time[a]!) / 3600;
    delay += f * (r.time[a]! - graph.t0[a]!);
    free += f * graph.t0[a]!;
  }
  let over = 0;
  let roads = 0;
  const seen = new Uint8Array(links.vc.length);
  for (let a = 0; a < graph.arcCount; a++) {
    const l = graph.link[a]!;
    if (!roadArc[a] || seen[l]) continue;
    seen[l] = 1;
    roads++;
    if (links.vc[l]! > 1) over++;
  }
  const assigned = trips - r.unservedTrips;
  return {
    vehicle_km: vkm,
    vehicle_hours: vh,
    mean_delay_s: assigned > 0 ? delay / assigned : 0,
    mean_free_flow_s: assigned > 0 ? free / assigned : 0,
    trips,
    unserved_trips: r.unservedTrips,
    over_capacity_share: roads > 0 ? over / roads : 0,
  };
}

export interface OutsideModel {
  /** Trip sources (buildings) farther than MAX_CONNECT_M from every road node. */
  buildings: number;
  /** Their peak-hour trips, veh/h, left out of the assignment. */
  trips: number;
}

export interface TrafficBaseline extends TrafficSolution {
  net: RoadNetwork;
  zones: Zones;
  /** Graph node of each zone centroid (road nodes come first). */
  centroids: Int32Array;
  /** Road links then connectors: what the graph was built from. */
  allLinks: NetworkLink[];
  nodeIndex: PointIndex;
  productions: Float64Array;
  attractions: Float64Array;
  /** The gravity matrix before calibration, and the matrix assigned. */
  prior: Float64Array;
  od: Float64Array;
  betaPerMin: number;
  outside: OutsideModel;
}

/** Marks arcs of road links (index < roadLinks, or listed) as roads; connectors are not. */
function roadArcs(graph: RoadGraph, isRoad: (link: number) => boolean): Uint8Array {
  const out = new Uint8Array(graph.arcCount);
  for (let a = 0; a < graph.arcCount; a++) out[a] = isRoad(graph.link[a]!) ? 1 : 0;
  return out;
}

export function solve(
  graph: RoadGraph,
  roadArc: Uint8Array,
  linkCount: number,
  nodes: Int32Array,
  od: Float64Array,
  options: Parameters<typeof assignUserEquilibrium>[2],
): TrafficSolution {
  const result = assignUserEquilibrium(graph, { nodes, trips: od }, options);
  const links = linkResults(graph, roadArc, linkCount, result);
  const total = od.reduce((s, t) => s + t, 0);
  return { graph, roadArc, result, links, kpis: kpis(graph, roadArc, links, result, total) };
}

/**
 * Baseline traffic from trips generated at points (buildings): each point loads in the zone of
 * its nearest road node (within MAX_CONNECT_M; farther ones are counted as outside the model).
 */
export function trafficBaseline(
  net: RoadNetwork,
  points: { x: Float64Array; y: Float64Array; trips: Float64Array },
  betaPerMin: number,
  options: { zones?: number; od?: Float64Array; gap?: number } = {},
): TrafficBaseline {
  const zones = gridZones(net, options.zones);
  const nodeIndex = new PointIndex(net.x, net.y);
  const n = net.nodeCount;
  const centroids = Int32Array.from({ length: zones.count }, (_, z) => n + z);
  const connectors = zones.members.flatMap((m, z) => {
    const near = m
      .map((i) => ({ i, d: (net.x[i]! - zones.x[z]!) ** 2 + (net.y[i]! - zones.y[z]!) ** 2 }))
      .sort((a, b) => a.d - b.d || a.i - b.i)
      .slice(0, CONNECTORS_PER_ZONE)
      .map((e) => e.i);
    return connectorLinks(net, n + z, zones.x[z]!, zones.y[z]!, near);
  });
  const allLinks = [...net.links, ...connectors];
  const graph = buildRoadGraph(n + zones.count, allLinks);
  for (const c of centroids) graph.noThrough[c] = 1;
  const roadLinks = net.links.length;
  const roadArc = roadArcs(graph, (l) => l < roadLinks);

  const productions = new Float64Array(zones.count);
  const outside: OutsideModel = { buildings: 0, trips: 0 };
  for (let i = 0; i < points.trips.length; i++) {
    const node = nodeIndex.nearest(points.x[i]!, points.y[i]!, MAX_CONNECT_M);
    if (node < 0) {
      outside.buildings++;
      outside.trips += points.trips[i]!;
    } else productions[zones.zoneOfNode[node]!] += points.trips[i]! / 2;
  }
  const attractions = productions.slice();
  const cost = freeFlowMinutes(graph, centroids, centroids);
  const prior = gravityDistribution(productions, attractions, cost, betaPerMin);
  const od = options.od ?? prior;
  const solution = solve(graph, roadArc, roadLinks, centroids, od, {
    gap: options.gap ?? BASELINE_GAP,
  });
  return {
    ...solution,
    net,
    zones,
    centroids,
    allLinks,
    nodeIndex,
    productions,
    attractions,
    prior,
    od,
    betaPerMin,
    outside,
  };
}

/** Re-solves the baseline for another matrix (calibration), warm from its paths. */
export function resolveBaseline(
  base: TrafficBaseline,
  od: Float64Array,
  gap = BASELINE_GAP,
): TrafficBaseline {
  const solution = solve(base.graph, base.roadArc, base.net.links.length, base.centroids, od, {
    gap,
    warm: base.result.state,
  });
  return { ...base, ...solution, od };
}

/** A change of peak-hour trips at a point: added buildings (+), demolished ones (−). */
export interface DemandChange {
  x: number;
  y: number;
  trips: number;
}

export interface RoadChange {
  /** Index into the baseline road links. */
  link: number;
  closed?: boolean;
  lanes?: number;
  speedKmh?: number;
  capacityVehH?: number;
}

export interface TrafficScenario extends TrafficSolution {
  /** Road links: the baseline's (edited, closed ones with zero volume), then added roads. */
  roadLinkCount: number;
  warmStart: boolean;
  outside: OutsideModel;
}

/** The arc of (link, direction) — index 2·link + (0 forward, 1 backward) — or −1. */
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
 * plus one new zone per added trip source (its own centroid at the site, joined to the nearest
 * road nodes) exchanging half its trips out and half in with every zone by the same gravity
 * model; assigned on the edited network, warm-started from the baseline's paths (paths over
 * closed links are dropped and their trips re-routed), to a relative gap of SCENARIO_GAP.
 */
export function trafficScenario(
  base: TrafficBaseline,
  changes: readonly DemandChange[],
  roadChanges: readonly RoadChange[],
  addedRoads: readonly NetworkLink[],
): TrafficScenario {
  const n = base.net.nodeCount;
  const z0 = base.zones.count;
  const roadLinks = base.net.links.length;
  const baseLinks = base.allLinks;
  const edited = baseLinks.map((l) => ({ ...l }));
  const closed = new Set<number>();
  for (const c of roadChanges) {
    const l = edited[c.link]!;
    if (c.closed) closed.add(c.link);
    else if (c.closed === false) closed.delete(c.link);
    if (c.lanes !== undefined) {
      if (c.capacityVehH === undefined)
        l.capacityVehH = (l.capacityVehH * c.lanes) / Math.max(1, l.lanes);
      l.lanes = c.lanes;
    }
    if (c.capacityVehH !== undefined) l.capacityVehH = c.capacityVehH;
    if (c.speedKmh !== undefined) l.speedKmh = c.speedKmh;
  }

  const outside: OutsideModel = { buildings: 0, trips: 0 };
  const removals = new Float64Array(z0);
  const sites: { x: number; y: number; trips: number; near: number[] }[] = [];
  for (const c of changes) {
    if (c.trips === 0) continue;
    const node = base.nodeIndex.nearest(c.x, c.y, MAX_CONNECT_M);
    if (node < 0) {
      outside.buildings++;
      outside.trips += Math.abs(c.trips);
      continue;
    }
    if (c.trips < 0) removals[base.zones.zoneOfNode[node]!] += -c.trips / 2;
    else
      sites.push({
        x: c.x,
        y: c.y,
        trips: c.trips,
        near: base.nodeIndex.nearestK(c.x, c.y, CONNECTORS_PER_SITE, MAX_CONNECT_M),
      });
  }
  // Node numbering: road nodes, baseline centroids, then one centroid per added site.
  const siteConnectors = sites.flatMap((s, k) =>
    connectorLinks(base.net, n + z0 + k, s.x, s.y, s.near),
  );
  const all: NetworkLink[] = [...edited, ...addedRoads, ...siteConnectors];
  const open = all.map((l, i) => ({ l, i })).filter(({ i }) => !closed.has(i));
  const g = buildRoadGraph(
    n + z0 + sites.length,
    open.map(({ l }) => l),
  );
  for (let a = 0; a < g.arcCount; a++) g.link[a] = open[g.link[a]!]!.i;
  for (let c = n; c < n + z0 + sites.length; c++) g.noThrough[c] = 1;
  const addedEnd = baseLinks.length + addedRoads.length;
  const roadArc = roadArcs(g, (l) => l < roadLinks || (l >= baseLinks.length && l < addedEnd));

  const z = z0 + sites.length;
  const od = new Float64Array(z * z);
  const keep = Float64Array.from(base.productions, (p, i) =>
    p > 0 ? Math.max(0, p - removals[i]!) / p : 1,
  );
  for (let i = 0; i < z0; i++) {
    for (let j = 0; j < z0; j++) od[i * z + j] = base.od[i * z0 + j]! * keep[i]! * keep[j]!;
  }
  const nodes = new Int32Array(z);
  nodes.set(base.centroids);
  if (sites.length > 0) {
    const newNodes = Int32Array.from(sites, (_, k) => n + z0 + k);
    const cost = freeFlowMinutes(g, newNodes, base.centroids);
    sites.forEach((s, k) => {
      const zi = z0 + k;
      nodes[zi] = n + z0 + k;
      let sum = 0;
      const w = new Float64Array(z0);
      for (let j = 0; j < z0; j++) {
        const c = cost[k * z0 + j]!;
        w[j] = Number.isFinite(c)
          ? base.attractions[j]! * keep[j]! * Math.exp(-base.betaPerMin * c)
          : 0;
        sum += w[j]!;
      }
      if (sum <= 0) return;
      for (let j = 0; j < z0; j++) {
        const t = ((s.trips / 2) * w[j]!) / sum;
        od[zi * z + j] = od[zi * z + j]! + t;
        od[j * z + zi] = od[j * z + zi]! + t;
      }
    });
  }
  // Baseline arcs → scenario arcs, through (link, direction).
  const baseArc = arcLookup(base.graph, baseLinks);
  const scenArc = arcLookup(g, all);
  const arcMap = new Int32Array(base.graph.arcCount).fill(-1);
  for (let k = 0; k < baseArc.length; k++) if (baseArc[k]! >= 0) arcMap[baseArc[k]!] = scenArc[k]!;
  const warm = warmState(base.result.state, z, arcMap);
  const solution = solve(g, roadArc, addedEnd, nodes, od, { gap: SCENARIO_GAP, warm });
  return { ...solution, roadLinkCount: roadLinks + addedRoads.length, warmStart: true, outside };
}
