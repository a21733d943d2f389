import { buildRoadGraph, ShortestPaths } from './road-graph';

/** A pipe or line between two dense node indices, with its capacity (l/s or kVA). */
export interface NetworkEdge {
  from: number;
  to: number;
  lengthM: number;
  capacity: number;
}

/**
 * How each node is fed: the shortest (by length) path to the nearest source — reservoir or tank,
 * substation — forms a tree; demand at a node flows along its tree path to that source. Pipes and
 * lines off the tree carry no load in this model (a radial approximation of a meshed network).
 */
export interface FeedTree {
  nodeCount: number;
  /** Edge index feeding each node, -1 for sources and unreachable nodes. */
  parentEdge: Int32Array;
  parentNode: Int32Array;
  /** Source node feeding each node, -1 when none reaches it. */
  source: Int32Array;
  /** Reachable nodes, sources first, each after its parent. */
  order: Int32Array;
  reached: number;
}

export function feedTree(nodeCount: number, edges: readonly NetworkEdge[], sources: readonly number[]): FeedTree {
  // A virtual root (index nodeCount) joined to every source; Dijkstra from it by length.
  const root = nodeCount;
  const links = edges.map((e) => ({ from: e.from, to: e.to, oneway: false, lengthM: e.lengthM, speedKmh: 3.6, capacityVehH: 1 }));
  for (const s of sources) links.push({ from: root, to: s, oneway: true, lengthM: 0, speedKmh: 3.6, capacityVehH: 1 });
  const graph = buildRoadGraph(nodeCount + 1, links);
  const sp = new ShortestPaths(graph);
  sp.run(root, graph.t0);

  const parentEdge = new Int32Array(nodeCount).fill(-1);
  const parentNode = new Int32Array(nodeCount).fill(-1);
  const source = new Int32Array(nodeCount).fill(-1);
  const order = new Int32Array(nodeCount);
  let reached = 0;
  for (let i = 1; i < sp.settled; i++) {
    const v = sp.order[i]!;
    const arc = sp.predArc[v]!;
    const link = graph.link[arc]!;
    if (link >= edges.length) {
      source[v] = v;
    } else {
      parentEdge[v] = link;
      parentNode[v] = graph.tail[arc]!;
      source[v] = source[graph.tail[arc]!]!;
    }
    order[reached++] = v;
  }
  return { nodeCount, parentEdge, parentNode, source, order, reached };
}

export interface NetworkLoads {
  /** Load carried by each edge (demand of everything downstream of it). */
  edgeLoad: Float64Array;
  /** Load passing through each node (its own demand plus everything it feeds). */
  nodeLoad: Float64Array;
  /** Demand at nodes no source reaches. */
  unserved: number;
}

/** Carries node demands up the feed tree to their sources. */
export function networkLoads(tree: FeedTree, edgeCount: number, demand: Float64Array): NetworkLoads {
  const edgeLoad = new Float64Array(edgeCount);
  const nodeLoad = demand.slice();
  let unserved = 0;
  for (let v = 0; v < tree.nodeCount; v++) if (tree.source[v] === -1) unserved += demand[v]!;
  for (let i = tree.reached - 1; i >= 0; i--) {
    const v = tree.order[i]!;
    const e = tree.parentEdge[v]!;
    if (e < 0) continue;
    edgeLoad[e] = nodeLoad[v]!;
    const p = tree.parentNode[v]!;
    nodeLoad[p] = nodeLoad[p]! + nodeLoad[v]!;
  }
  return { edgeLoad, nodeLoad, unserved };
}

/** Load ÷ capacity; Infinity for a loaded asset without capacity. */
export function loadRatio(load: number, capacity: number): number {
  if (capacity > 0) return load / capacity;
  return load > 0 ? Infinity : 0;
}
