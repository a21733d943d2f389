import type { UtilityModel } from './city-model';

/**
 * Radial load flow of the medium-voltage (≤ 60 kV) network, one feeder tree per substation, by
 * the backward/forward sweep (Shirmohammadi et al., IEEE Trans. Power Systems 3(2), 1988): loads
 * as constant power at the transformers; backward, branch currents summed from the leaves;
 * forward, voltages from the substation busbar (1.0 pu) down, V_child = V_parent − Z·I; until the
 * largest voltage change is below 1e-8 pu. Per-unit on 1 MVA and the feeder's nominal voltage.
 * A meshed MV network is opened into a tree at the links that would close loops (their normally
 * open points), nearest the substation first, and those links carry no load.
 */

export interface PowerTree {
  nodeCount: number;
  /** Edge feeding each node (−1 for substations, unfed nodes). */
  parentEdge: Int32Array;
  parentNode: Int32Array;
  /** Nodes fed, parents before children. */
  order: Int32Array;
  reached: number;
  /** Per edge: 1 when it carries load (part of a tree). */
  inTree: Uint8Array;
  /** Per edge: series impedance, pu on 1 MVA and its voltage. */
  r: Float64Array;
  x: Float64Array;
  /** Nominal voltage per node, kV. */
  kv: Float64Array;
}

/** Lines at or below this voltage are distribution feeders; higher ones are transmission. */
const MV_MAX_KV = 60;

export function powerTree(m: UtilityModel, rOhmPerKm: number, xOhmPerKm: number): PowerTree {
  const n = m.nodeId.length;
  const adjacency: number[][] = Array.from({ length: n }, () => []);
  const inTree = new Uint8Array(m.edges.length);
  const r = new Float64Array(m.edges.length);
  const x = new Float64Array(m.edges.length);
  const kv = new Float64Array(n).fill(11);
  m.edges.forEach((e, k) => {
    const v = Number.isFinite(e.size) && e.size > 0 ? e.size : 11;
    if (v > MV_MAX_KV) return;
    adjacency[e.from]!.push(k);
    adjacency[e.to]!.push(k);
    const zBase = (v * v) / 1; // kV² ÷ MVA = Ω
    const rk =
      typeof e.attributes['r_ohm_per_km'] === 'number'
        ? (e.attributes['r_ohm_per_km'] as number)
        : rOhmPerKm;
    const xk =
      typeof e.attributes['x_ohm_per_km'] === 'number'
        ? (e.attributes['x_ohm_per_km'] as number)
        : xOhmPerKm;
    r[k] = (rk * e.lengthM) / 1000 / zBase;
    x[k] = (xk * e.lengthM) / 1000 / zBase;
  });
  const parentEdge = new Int32Array(n).fill(-1);
  const parentNode = new Int32Array(n).fill(-1);
  const order = new Int32Array(n);
  const seen = new Uint8Array(n);
  let reached = 0;
  const queue: number[] = [];
  for (let i = 0; i < n; i++) {
    if (m.kind[i] !== 'substation') continue;
    seen[i] = 1;
    order[reached++] = i;
    queue.push(i);
  }
  for (let q = 0; q < queue.length; q++) {
    const u = queue[q]!;
    for (const k of adjacency[u]!) {
      const e = m.edges[k]!;
      const v = e.from === u ? e.to : e.from;
      if (seen[v]) continue;
      seen[v] = 1;
      parentEdge[v] = k;
      parentNode[v] = u;
      inTree[k] = 1;
      kv[v] = Number.isFinite(e.size) && e.size > 0 ? e.size : 11;
      order[reached++] = v;
      queue.push(v);
    }
  }
  return { nodeCount: n, parentEdge, parentNode, order, reached, inTree, r, x, kv };
}

export interface PowerState {
  /** Per node: voltage magnitude, pu (NaN where unfed). */
  voltage: Float64Array;
  /** Per node: apparent power through it (its load and everything it feeds), kVA. */
  nodeLoad: Float64Array;
  /** Per edge: apparent power at its sending end, kVA. */
  edgeLoad: Float64Array;
  /** Demand at nodes no substation feeds, kVA. */
  unserved: number;
  iterations: number;
  converged: boolean;
}

/**
 * Loads (kVA per node, at power factor `pf`, lagging) through the trees. Complex arithmetic on
 * pairs of numbers: V = (vr, vi), I = conj(S ÷ V).
 */
export function sweep(
  tree: PowerTree,
  load: Float64Array,
  pf: number,
  maxIterations = 30,
): PowerState {
  const n = tree.nodeCount;
  const sinPhi = Math.sqrt(Math.max(0, 1 - pf * pf));
  // Load per node in pu of 1 MVA.
  const p = Float64Array.from(load, (s) => (s * pf) / 1000);
  const q = Float64Array.from(load, (s) => (s * sinPhi) / 1000);
  const vr = new Float64Array(n).fill(1);
  const vi = new Float64Array(n);
  const ir = new Float64Array(n); // branch current into node (from its parent)
  const ii = new Float64Array(n);
  const fed = new Uint8Array(n);
  for (let k = 0; k < tree.reached; k++) fed[tree.order[k]!] = 1;
  let unserved = 0;
  for (let v = 0; v < n; v++) if (!fed[v]) unserved += load[v]!;
  let iterations = 0;
  let converged = false;
  for (; iterations < maxIterations && !converged; iterations++) {
    // Backward: load current at each node, then summed towards the root.
    for (let k = 0; k < tree.reached; k++) {
      const v = tree.order[k]!;
      const m2 = vr[v]! * vr[v]! + vi[v]! * vi[v]!;
      // I = conj(S / V) = (P − jQ) / conj(V) = (P − jQ)(vr + j vi) / |V|²
      ir[v] = (p[v]! * vr[v]! + q[v]! * vi[v]!) / m2;
      ii[v] = (p[v]! * vi[v]! - q[v]! * vr[v]!) / m2;
    }
    for (let k = tree.reached - 1; k > 0; k--) {
      const v = tree.order[k]!;
      const u = tree.parentNode[v]!;
      if (u < 0) continue;
      ir[u] = ir[u]! + ir[v]!;
      ii[u] = ii[u]! + ii[v]!;
    }
    // Forward: voltages from the busbars down.
    let change = 0;
    for (let k = 0; k < tree.reached; k++) {
      const v = tree.order[k]!;
      const e = tree.parentEdge[v]!;
      if (e < 0) continue;
      const u = tree.parentNode[v]!;
      const nr = vr[u]! - (tree.r[e]! * ir[v]! - tree.x[e]! * ii[v]!);
      const ni = vi[u]! - (tree.r[e]! * ii[v]! + tree.x[e]! * ir[v]!);
      change = Math.max(change, Math.abs(nr - vr[v]!) + Math.abs(ni - vi[v]!));
      vr[v] = nr;
      vi[v] = ni;
    }
    converged = change < 1e-8;
  }
  const voltage = new Float64Array(n).fill(NaN);
  const nodeLoad = new Float64Array(n);
  const edgeLoad = new Float64Array(tree.inTree.length);
  for (let k = 0; k < tree.reached; k++) {
    const v = tree.order[k]!;
    const mag = Math.hypot(vr[v]!, vi[v]!);
    voltage[v] = mag;
    // Apparent power through the node: |V|·|I| in pu of 1 MVA → kVA.
    nodeLoad[v] = mag * Math.hypot(ir[v]!, ii[v]!) * 1000;
    const e = tree.parentEdge[v]!;
    if (e >= 0) {
      const u = tree.parentNode[v]!;
      edgeLoad[e] = Math.hypot(vr[u]!, vi[u]!) * Math.hypot(ir[v]!, ii[v]!) * 1000;
    }
  }
  return { voltage, nodeLoad, edgeLoad, unserved, iterations, converged };
}
