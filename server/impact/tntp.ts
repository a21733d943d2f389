import { readFileSync } from 'node:fs';
import { buildRoadGraph, type GraphLink, type RoadGraph } from './road-graph';

/**
 * The TNTP formats of the Transportation Networks for Research collection (bstabler/
 * TransportationNetworks): `<prefix>_net.tntp` (metadata, then one link per line: init_node
 * term_node capacity length free_flow_time b power speed toll link_type ;), `<prefix>_trips.tntp`
 * ("Origin o" blocks of "d : trips;") and, optionally, `<prefix>_flow.tntp` (from to volume cost).
 * Nodes are numbered from 1; zones are nodes 1 … <NUMBER OF ZONES>; nodes below
 * <FIRST THRU NODE> are centroids that carry no through traffic.
 */
export interface TntpLink {
  from: number;
  to: number;
  capacity: number;
  length: number;
  freeFlowTime: number;
  b: number;
  power: number;
  toll: number;
}

export interface TntpNetwork {
  zones: number;
  nodes: number;
  firstThruNode: number;
  links: TntpLink[];
  /** Generalised-cost factors from the metadata, when the file declares them. */
  tollFactor: number | null;
  distanceFactor: number | null;
}

function metadata(text: string): { meta: Map<string, string>; body: string } {
  const meta = new Map<string, string>();
  const end = text.indexOf('<END OF METADATA>');
  const head = end >= 0 ? text.slice(0, end) : '';
  for (const m of head.matchAll(/<([^>]+)>([^\n<]*)/g))
    meta.set(m[1]!.trim().toUpperCase(), m[2]!.trim());
  return { meta, body: end >= 0 ? text.slice(end + '<END OF METADATA>'.length) : text };
}

const num = (meta: Map<string, string>, key: string): number | null => {
  const v = meta.get(key);
  if (v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

export function parseTntpNetwork(text: string): TntpNetwork {
  const { meta, body } = metadata(text);
  const links: TntpLink[] = [];
  for (const raw of body.split('\n')) {
    const line = raw.replace(/~.*$/, '').replace(/;.*$/, '').trim();
    if (!line) continue;
    const f = line.split(/\s+/).map(Number);
    if (f.length < 7 || f.slice(0, 7).some((v) => !Number.isFinite(v))) {
      throw new Error(`TNTP network: cannot read link line "${raw.trim()}"`);
    }
    links.push({
      from: f[0]!,
      to: f[1]!,
      capacity: f[2]!,
      length: f[3]!,
      freeFlowTime: f[4]!,
      b: f[5]!,
      power: f[6]!,
      toll: f[8] ?? 0,
    });
  }
  const nodes = num(meta, 'NUMBER OF NODES') ?? Math.max(...links.flatMap((l) => [l.from, l.to]));
  return {
    zones: num(meta, 'NUMBER OF ZONES') ?? 0,
    nodes,
    firstThruNode: num(meta, 'FIRST THRU NODE') ?? 1,
    links,
    tollFactor: num(meta, 'TOLL FACTOR'),
    distanceFactor: num(meta, 'DISTANCE FACTOR'),
  };
}

/** Trips as a zones × zones row-major matrix (zone z is index z − 1). */
export function parseTntpTrips(text: string, zones: number): Float64Array {
  const { body } = metadata(text);
  const trips = new Float64Array(zones * zones);
  let origin = -1;
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const o = /^Origin\s+(\d+)/i.exec(line);
    if (o) {
      origin = Number(o[1]) - 1;
      continue;
    }
    if (origin < 0) continue;
    for (const m of line.matchAll(/(\d+)\s*:\s*([-+0-9.eE]+)/g)) {
      const d = Number(m[1]) - 1;
      if (origin < zones && d >= 0 && d < zones) trips[origin * zones + d] = Number(m[2]);
    }
  }
  return trips;
}

/** Link volumes of a `_flow.tntp` file, keyed `from-to`. */
export function parseTntpFlows(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const f = raw.trim().split(/\s+/);
    if (f.length < 3) continue;
    const [a, b, v] = [Number(f[0]), Number(f[1]), Number(f[2])];
    if (Number.isInteger(a) && Number.isInteger(b) && Number.isFinite(v)) out.set(`${a}-${b}`, v);
  }
  return out;
}

export interface TntpProblem {
  net: TntpNetwork;
  graph: RoadGraph;
  /** Zone z at graph node z (node numbers − 1). */
  zones: Int32Array;
  trips: Float64Array;
  flows: Map<string, number> | null;
}

/**
 * Reads `<prefix>_net.tntp`, `_trips.tntp` and, when present, `_flow.tntp` into a graph whose
 * arc costs are in the file's time unit (TNTP: minutes) plus `tollFactor × toll +
 * distanceFactor × length` (factors from the options, else the file, else 0).
 */
export function loadTntp(
  prefix: string,
  options: { tollFactor?: number; distanceFactor?: number; readFlows?: boolean } = {},
): TntpProblem {
  const net = parseTntpNetwork(readFileSync(`${prefix}_net.tntp`, 'utf8'));
  const trips = parseTntpTrips(readFileSync(`${prefix}_trips.tntp`, 'utf8'), net.zones);
  let flows: Map<string, number> | null = null;
  if (options.readFlows !== false) {
    try {
      flows = parseTntpFlows(readFileSync(`${prefix}_flow.tntp`, 'utf8'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  const toll = options.tollFactor ?? net.tollFactor ?? 0;
  const distance = options.distanceFactor ?? net.distanceFactor ?? 0;
  const links: GraphLink[] = net.links.map((l) => ({
    from: l.from - 1,
    to: l.to - 1,
    oneway: true,
    lengthM: l.length,
    speedKmh: 1,
    capacityVehH: l.capacity,
    freeFlowS: l.freeFlowTime,
    bprAlpha: l.b,
    bprPower: l.power,
    fixedCostS: toll * l.toll + distance * l.length,
  }));
  const graph = buildRoadGraph(net.nodes, links);
  for (let v = 0; v < Math.min(net.nodes, net.firstThruNode - 1); v++) graph.noThrough[v] = 1;
  const zones = Int32Array.from({ length: net.zones }, (_, i) => i);
  return { net, graph, zones, trips, flows };
}

/**
 * Compares assigned arc volumes with a flow file: the relative RMSE (√mean((v − v̂)²) ÷ mean v̂)
 * over all links in both, and the largest relative error on links whose reference volume
 * exceeds `minVolume`.
 */
export function compareFlows(problem: TntpProblem, flow: Float64Array, minVolume = 100) {
  const { graph, flows } = problem;
  if (!flows) return null;
  let se = 0;
  let sum = 0;
  let n = 0;
  let maxRel = 0;
  for (let a = 0; a < graph.arcCount; a++) {
    const ref = flows.get(`${graph.tail[a]! + 1}-${graph.head[a]! + 1}`);
    if (ref === undefined) continue;
    se += (flow[a]! - ref) ** 2;
    sum += ref;
    n++;
    if (ref > minVolume) maxRel = Math.max(maxRel, Math.abs(flow[a]! - ref) / ref);
  }
  return {
    flowRmseRel: n > 0 && sum > 0 ? Math.sqrt(se / n) / (sum / n) : NaN,
    maxRelErr: maxRel,
    links: n,
  };
}
