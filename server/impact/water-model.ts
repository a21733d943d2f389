import { CountType, LinkProperty, LinkType, NodeProperty, Project, Workspace } from 'epanet-js';
import type { UtilityModel } from './city-model';

/**
 * The water network as an EPANET 2.2 model (epanet-js): junctions with elevation and demand,
 * reservoirs and tanks at their water level, pumps with their head curve, pipes with length,
 * bore and roughness; solved at peak demand (one hydraulic period) for junction pressures and pipe
 * velocities and head losses. Units: l/s, metres (EPANET "LPS"); head loss in m per km of pipe.
 *
 * From the database: imported EPANET models keep their hydraulic data in `attributes` (see
 * imports/readers/epanet.ts: demand_l_s, roughness, minor_loss, status, model_length_m, tank
 * levels, pump curves); networks without it (the demo city, GIS pipe layers) get Hazen–Williams
 * roughness by material, tanks 5 m below their recorded water level and pumps from head_m/flow_l_s.
 */

/** Hazen–Williams C by pipe material (new-to-middle-aged pipe; AWWA M32 ranges). */
const HAZEN_C: Record<string, number> = {
  'cast iron': 100,
  'ductile iron': 130,
  PVC: 140,
  steel: 120,
  concrete: 120,
  PE: 140,
};
const DEFAULT_C = 120;
const KW_PER_HP = 0.7457;

let workspace: Promise<Workspace> | null = null;
/** One EPANET module per thread (loading the WebAssembly takes a moment). */
export function epanetWorkspace(): Promise<Workspace> {
  workspace ??= (async () => {
    const ws = new Workspace();
    await ws.loadModule();
    return ws;
  })();
  return workspace;
}

const num = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};

export interface WaterInp {
  text: string;
  /** EPANET id of each network node (junctions get demand), '' for nodes left out. */
  nodeEpanetId: string[];
  /** EPANET id of each pipe. */
  pipeEpanetId: string[];
  /** Base demand (l/s) each node carries in the source model (imported EPANET demands). */
  modelDemand: Float64Array;
}

/** Writes the network as an EPANET .inp text (LPS, metres). */
export function waterInp(m: UtilityModel): WaterInp {
  const n = m.nodeId.length;
  const id = (i: number) => `N${m.nodeId[i]}`;
  const junctions: string[] = [];
  const reservoirs: string[] = [];
  const tanks: string[] = [];
  const pipes: string[] = [];
  const pumps: string[] = [];
  const curves: string[] = [];
  const statuses: string[] = [];
  const nodeEpanetId = new Array<string>(n).fill('');
  const modelDemand = new Float64Array(n);
  const byName = new Map<string, number>();
  m.name.forEach((name, i) => name && !byName.has(name) && byName.set(name, i));
  let headloss = 'H-W';

  // Pumps stored as nodes: an imported one names the EPANET nodes it joins (the pump node itself
  // is left out); a generated one sits between the suction pipe (towards a reservoir) and the rest.
  const pumpDischarge = new Map<number, string>();
  const adjacency: number[][] = Array.from({ length: n }, () => []);
  m.edges.forEach((e, k) => {
    adjacency[e.from]!.push(k);
    adjacency[e.to]!.push(k);
  });
  const isSuction = (pump: number, edge: number) => {
    // Breadth-first from the pipe's far end without crossing the pump: a reservoir there is upstream.
    const e = m.edges[edge]!;
    const start = e.from === pump ? e.to : e.from;
    const seen = new Set([pump, start]);
    const queue = [start];
    while (queue.length > 0) {
      const v = queue.shift()!;
      if (m.kind[v] === 'reservoir') return true;
      if (seen.size > 50) return false;
      for (const k of adjacency[v]!) {
        const w = m.edges[k]!.from === v ? m.edges[k]!.to : m.edges[k]!.from;
        if (!seen.has(w)) {
          seen.add(w);
          queue.push(w);
        }
      }
    }
    return false;
  };

  for (let i = 0; i < n; i++) {
    const a = m.nodeAttributes[i]!;
    const elev = Number.isFinite(m.nodeLevel[i]!) ? m.nodeLevel[i]! : 0;
    const kind = m.kind[i];
    if (kind === 'reservoir') {
      const head = num(a['water_level_m']) ?? elev;
      reservoirs.push(`${id(i)} ${head}`);
    } else if (kind === 'tank') {
      const water = num(a['water_level_m']);
      const bottom = num(a['init_level_m']) !== null ? elev : water !== null ? water - 5 : elev;
      const init = num(a['init_level_m']) ?? (water !== null ? 5 : 0);
      const min = num(a['min_level_m']) ?? 0;
      const max = num(a['max_level_m']) ?? Math.max(init, 10);
      const volume = Number.isFinite(m.nodeCapacity[i]!) ? m.nodeCapacity[i]! : 1000;
      const diameter =
        num(a['diameter_m']) ?? Math.sqrt((4 * volume) / (Math.PI * Math.max(1, max - min)));
      tanks.push(`${id(i)} ${bottom} ${init} ${min} ${max} ${diameter} 0`);
    } else if (kind === 'pump') {
      const from = typeof a['from_node'] === 'string' ? byName.get(a['from_node']) : undefined;
      const to = typeof a['to_node'] === 'string' ? byName.get(a['to_node']) : undefined;
      const curve = Array.isArray(a['head_curve']) ? (a['head_curve'] as [number, number][]) : null;
      const power = num(a['power_kw']);
      const spec = (pid: string) => {
        if (curve && curve.length > 0) {
          curves.push(...curve.map(([q, h]) => `C${pid} ${q} ${h}`));
          return `HEAD C${pid}`;
        }
        // EPANET 2.2 reads an SI POWER value as horsepower-scaled: POWER x delivers x ÷ 0.7457 kW
        // of hydraulic power (checked: POWER 10 lifts 20 l/s by 68.4 m, 13.4 kW). Writing
        // kW × 0.7457 makes the pump deliver the power the source model states.
        if (power !== null) return `POWER ${power * KW_PER_HP}`;
        const h = num(a['head_m']) ?? 30;
        const q = num(a['flow_l_s']) ?? 100;
        curves.push(`C${pid} ${q} ${h}`);
        return `HEAD C${pid}`;
      };
      const pid = `P${m.nodeId[i]}`;
      if (typeof a['status'] === 'string' && /^(open|closed)$/i.test(a['status']))
        statuses.push(`${pid} ${a['status'].toUpperCase()}`);
      if (from !== undefined && to !== undefined) {
        pumps.push(`${pid} ${id(from)} ${id(to)} ${spec(pid)}`);
        continue; // the node itself is not part of the hydraulic model
      }
      junctions.push(`${id(i)} ${elev} 0`);
      junctions.push(`${id(i)}o ${elev} 0`);
      pumpDischarge.set(i, `${id(i)}o`);
      pumps.push(`${pid} ${id(i)} ${id(i)}o ${spec(pid)}`);
      nodeEpanetId[i] = id(i);
      continue;
    } else {
      const demand = num(a['demand_l_s']) ?? 0;
      modelDemand[i] = demand;
      junctions.push(`${id(i)} ${elev} ${demand}`);
    }
    nodeEpanetId[i] = id(i);
  }

  const pipeEpanetId = m.edges.map((e, k) => {
    const a = e.attributes;
    const pid = `L${e.id}`;
    const length = num(a['model_length_m']) ?? Math.max(1, e.lengthM);
    const diameter = Number.isFinite(e.size) && e.size > 0 ? e.size : 150;
    const formula = typeof a['headloss_formula'] === 'string' ? a['headloss_formula'] : null;
    if (formula) headloss = formula;
    const rough = num(a['roughness']) ?? HAZEN_C[e.material ?? ''] ?? DEFAULT_C;
    const minor = num(a['minor_loss']) ?? 0;
    const status =
      typeof a['status'] === 'string' && /^(open|closed|cv)$/i.test(a['status'])
        ? a['status'].toUpperCase()
        : 'OPEN';
    const end = (node: number) => {
      if (m.kind[node] === 'pump' && pumpDischarge.has(node) && !isSuction(node, k))
        return pumpDischarge.get(node)!;
      return nodeEpanetId[node] || id(node);
    };
    pipes.push(
      `${pid} ${end(e.from)} ${end(e.to)} ${length} ${diameter} ${rough} ${minor} ${status}`,
    );
    return pid;
  });

  const text = [
    '[TITLE]',
    'city twin water network',
    '[JUNCTIONS]',
    ...junctions,
    '[RESERVOIRS]',
    ...reservoirs,
    '[TANKS]',
    ...tanks,
    '[PIPES]',
    ...pipes,
    '[PUMPS]',
    ...pumps,
    '[CURVES]',
    ...curves,
    '[STATUS]',
    ...statuses,
    '[OPTIONS]',
    'Units LPS',
    `Headloss ${headloss}`,
    'Trials 100',
    'Accuracy 0.0001',
    'Unbalanced Continue 10',
    '[TIMES]',
    'Duration 0',
    '[REPORT]',
    'Status No',
    'Summary No',
    '[END]',
    '',
  ].join('\n');
  return { text, nodeEpanetId, pipeEpanetId, modelDemand };
}

/** Pressures (m) per network node and velocities (m/s), head losses (m/km) per pipe. */
export interface WaterState {
  pressure: Float64Array;
  velocity: Float64Array;
  headloss: Float64Array;
  /** Net flow out of sources, l/s. */
  supplied: number;
}

/**
 * An EPANET project kept open for repeated solves: demands change, the network does not. Each
 * project writes its own files in the thread's EPANET workspace (an in-memory file system).
 */
export class WaterSolver {
  readonly #project: Project;
  readonly #nodeIndex: Int32Array;
  readonly #pipeIndex: Int32Array;
  readonly #nodes: number;
  readonly baseDemand: Float64Array;
  static #seq = 0;

  private constructor(project: Project, inp: WaterInp) {
    this.#project = project;
    this.#nodes = inp.nodeEpanetId.length;
    this.#nodeIndex = Int32Array.from(inp.nodeEpanetId, (eid) =>
      eid ? project.getNodeIndex(eid) : 0,
    );
    this.#pipeIndex = Int32Array.from(inp.pipeEpanetId, (eid) => project.getLinkIndex(eid));
    this.baseDemand = inp.modelDemand.slice();
    this.#junction = Uint8Array.from(this.#nodeIndex, (e) =>
      e > 0 && project.getNodeType(e) === 0 ? 1 : 0,
    );
    this.#set = Float64Array.from(inp.modelDemand);
    const count = project.getCount(CountType.NodeCount);
    for (let e = 1; e <= count; e++) if (project.getNodeType(e) !== 0) this.#sources.push(e);
  }

  /** 1 for network nodes that are EPANET junctions (they carry demand). */
  readonly #junction: Uint8Array;
  /** The base demand last set in EPANET per network node, l/s. */
  readonly #set: Float64Array;
  /** EPANET indices of reservoirs and tanks. */
  readonly #sources: number[] = [];

  static async open(inp: WaterInp): Promise<WaterSolver> {
    const ws = await epanetWorkspace();
    const project = new Project(ws);
    const name = `net${++WaterSolver.#seq}`;
    ws.writeFile(`${name}.inp`, inp.text);
    project.open(`${name}.inp`, `${name}.rpt`, `${name}.out`);
    return new WaterSolver(project, inp);
  }

  /** Solves with `demand` (l/s per network node, added to the model's own). */
  solve(demand: Float64Array): WaterState {
    const p = this.#project;
    // Only demands that differ from the last solve are set (one call into EPANET each).
    for (let i = 0; i < this.#nodes; i++) {
      const e = this.#nodeIndex[i]!;
      const d = this.baseDemand[i]! + demand[i]!;
      if (e > 0 && this.#junction[i] && this.#set[i] !== d) {
        p.setNodeValue(e, NodeProperty.BaseDemand, d);
        this.#set[i] = d;
      }
    }
    p.solveH();
    const nodePressure = p.getNodeValues(NodeProperty.Pressure);
    const nodeDemand = p.getNodeValues(NodeProperty.Demand);
    const linkVelocity = p.getLinkValues(LinkProperty.Velocity);
    const linkHeadloss = p.getLinkValues(LinkProperty.Headloss);
    const pressure = new Float64Array(this.#nodes).fill(NaN);
    for (let i = 0; i < this.#nodes; i++) {
      const e = this.#nodeIndex[i]!;
      if (e > 0) pressure[i] = nodePressure[e - 1]!;
    }
    const velocity = new Float64Array(this.#pipeIndex.length);
    const headloss = new Float64Array(this.#pipeIndex.length);
    this.#pipeIndex.forEach((e, k) => {
      velocity[k] = Math.abs(linkVelocity[e - 1]!);
      headloss[k] = Math.abs(linkHeadloss[e - 1]!);
    });
    let supplied = 0;
    for (const e of this.#sources) supplied -= nodeDemand[e - 1]!;
    return { pressure, velocity, headloss, supplied };
  }

  /** Pumps in the model (for the report). */
  pumpCount(): number {
    const p = this.#project;
    let pumps = 0;
    for (let e = 1; e <= p.getCount(CountType.LinkCount); e++)
      if (p.getLinkType(e) === LinkType.Pump) pumps++;
    return pumps;
  }

  close(): void {
    this.#project.close();
  }
}
