import { join } from 'node:path';
import { loadConfig } from '../server/config';
import { createLogger } from '../server/log';
import { prepareDatabase } from '../server/startup';
import { assignUserEquilibrium, type OdMatrix } from '../server/impact/assignment';
import { roadNetwork } from '../server/impact/baseline';
import { gravityDistribution } from '../server/impact/gravity';
import { buildRoadGraph, type RoadGraph } from '../server/impact/road-graph';
import { freeFlowMinutes, gridZones, type NetworkLink, type RoadNetwork } from '../server/impact/traffic-model';
import { PointIndex } from '../server/impact/point-index';
import { peakTrips } from '../server/impact/yield';
import { baselineBuildingYield } from '../server/impact/baseline';
import { ImpactService } from '../server/scenarios/impact-service';
import { addEdit, createScenario, deleteScenario } from '../server/scenarios/scenario-store';
import { EditSchema } from '../server/scenarios/edit-schema';
import { loadFactors } from '../server/impact/factors';
import { TEST_DATA_DIR } from '../test/support/paths';
import { fmt } from './load';
import { alternate, formatSpread, roundOptions, spread } from './rounds';

/**
 * `npm run bench -- impact [--iterations 30] [--repeat 3] [--rounds 5]`
 *
 * On the demo city (DATABASE_URL, or an embedded database in .test-data/bench-impact, seeded on
 * first use):
 *  - Frank–Wolfe assignment, a fixed number of iterations, on the demo road graph and on a graph
 *    twice its size (two copies of the city side by side, joined by links; the same number of
 *    zones): time and growth ratio (goal ≤ 2.3, i.e. close to linear in the graph);
 *  - the full impact of a scenario with 10 added buildings: cold (building the baseline) and
 *    with the baseline in memory.
 */
export async function run(args: string[]): Promise<void> {
  const opt = (name: string, fallback: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
  };
  const iterations = Number(opt('iterations', '30'));
  const repeat = Number(opt('repeat', '3'));
  const rounds = roundOptions(args);
  const config = loadConfig({
    ...process.env,
    TWIN_DATA_DIR: process.env.TWIN_DATA_DIR ?? join(TEST_DATA_DIR, 'bench-impact'),
    LOG_LEVEL: 'warn',
  });
  const backend = await prepareDatabase(config, createLogger('warn'));
  try {
    const impacts = new ImpactService(backend.db);
    let t = performance.now();
    const { baseline } = await impacts.baseline();
    const baselineMs = performance.now() - t;
    const net = roadNetwork(baseline.city);
    console.log(
      `impact bench on ${backend.description}: ${net.nodeCount} road nodes, ${net.links.length} links, ` +
        `${baseline.city.buildings.id.length} buildings; baseline model built in ${fmt(baselineMs)} ms`,
    );

    const trips = Float64Array.from(baseline.city.buildings.id, (_, i) => peakTrips(baselineBuildingYield(baseline.city, i, baseline.factors), baseline.factors));
    const beta = baseline.factors.get('traffic.gravity_beta_per_min');
    const demo = assignmentCase(net, baseline.city.buildings.x, baseline.city.buildings.y, trips, beta);
    // The 2× case keeps the zone count and total demand: even zones stay in copy A, odd zones
    // move to the same place in copy B, so only the graph doubles.
    const doubled = doubleNetwork(net);
    const bigZones = Int32Array.from(demo.od.nodes, (node, z) => (z % 2 === 0 ? node : node + net.nodeCount));
    const bigGraph = buildRoadGraph(doubled.net.nodeCount, doubled.net.links);
    const bigCost = freeFlowMinutes(bigGraph, bigZones, bigZones);
    const big = {
      graph: bigGraph,
      od: { nodes: bigZones, trips: gravityDistribution(demo.productions, demo.productions, bigCost, beta) },
      zones: bigZones.length,
    };

    // Alternating rounds (bench/rounds.ts): each trial is `repeat` assignments of one graph.
    const trial = (c: { graph: RoadGraph; od: OdMatrix }) => async () => {
      const s = performance.now();
      for (let i = 0; i < repeat; i++) assignUserEquilibrium(c.graph, c.od, { maxIterations: iterations, gap: 0 });
      return { rate: (1000 * repeat) / (performance.now() - s) };
    };
    console.log(`assignment (${iterations} Frank–Wolfe iterations, ${demo.zones} zones, ${repeat} per trial), alternating rounds:`);
    const cmp = await alternate({ label: 'demo graph', trial: trial(demo) }, { label: '2× graph', trial: trial(big) }, rounds, console.log, ' /s');
    const ms = (trials: { rate: number }[]) => formatSpread(spread(trials.map((t) => 1000 / t.rate)), 0);
    console.log(`  demo graph    ${demo.graph.nodeCount} nodes ${demo.graph.arcCount} arcs: ${ms(cmp.baseline.trials)} ms`);
    console.log(`  2× graph      ${big.graph.nodeCount} nodes ${big.graph.arcCount} arcs: ${ms(cmp.subject.trials)} ms (${big.zones} zones)`);
    console.log(`  growth ratio  ${formatSpread(spread(cmp.ratios.map((r) => 1 / r)))} (goal ≤ 2.3; load ${fmt(Math.min(...cmp.load), 1)}–${fmt(Math.max(...cmp.load), 1)})`);

    // Full impact: 10 towers on a ring around the centre.
    const factors = await loadFactors(backend.db);
    const s = await createScenario(backend.db, { name: 'bench: 10 towers' }, { id: null, name: 'bench' });
    try {
      const [lon0, lat0] = config.demo.center;
      for (let k = 0; k < 10; k++) {
        const a = (k / 10) * 2 * Math.PI;
        const lon = lon0 + 0.012 * Math.cos(a);
        const lat = lat0 + 0.007 * Math.sin(a);
        const d = 0.00025;
        const edit = EditSchema.parse({
          kind: 'add_building', floors: 20 + k, use: k % 3 === 0 ? 'office' : 'residential',
          geometry: { type: 'Polygon', coordinates: [[[lon, lat], [lon + d, lat], [lon + d, lat + d * 0.6], [lon, lat + d * 0.6], [lon, lat]]] },
        });
        await addEdit(backend.db, s.id, edit, factors);
      }
      t = performance.now();
      const { result } = await impacts.impact(s.id);
      const warm = performance.now() - t;
      const cold = new ImpactService(backend.db);
      await addEdit(backend.db, s.id, EditSchema.parse({ kind: 'demolish_building', buildingId: baseline.city.buildings.id[0]! }), factors);
      t = performance.now();
      await cold.impact(s.id);
      const coldMs = performance.now() - t;
      console.log(`full impact, 10 added buildings: ${fmt(warm)} ms with the baseline in memory, ${fmt(coldMs)} ms cold (baseline included)`);
      console.log(`  Δ GFA ${fmt(result.yield.delta.gfa_m2)} m², Δ dwellings ${fmt(result.yield.delta.dwellings)}, ` +
        `Δ veh·km ${fmt(result.traffic.kpis.vehicle_km.delta)}, ${result.shadow.neighbours.length} shaded neighbours, ` +
        `${result.utilities.flagged.length} utility assets flagged, assignment gap ${result.traffic.assignment.relative_gap}`);
      console.log(`  time by model (ms): ${JSON.stringify(result.timings)}`);
    } finally {
      await deleteScenario(backend.db, s.id);
    }
  } finally {
    await backend.close();
  }
}

function assignmentCase(net: RoadNetwork, x: Float64Array, y: Float64Array, trips: Float64Array, beta: number) {
  const graph = buildRoadGraph(net.nodeCount, net.links);
  const zones = gridZones(net);
  const idx = new PointIndex(net.x, net.y);
  const p = new Float64Array(zones.node.length);
  for (let i = 0; i < trips.length; i++) p[zones.zoneOfNode[idx.nearest(x[i]!, y[i]!)]!] += trips[i]! / 2;
  const cost = freeFlowMinutes(graph, zones.node, zones.node);
  return { graph, od: { nodes: zones.node, trips: gravityDistribution(p, p, cost, beta) }, zones: zones.node.length, productions: p };
}

/** Two copies of the network side by side, joined by arterial links between facing edge nodes. */
function doubleNetwork(net: RoadNetwork): { net: RoadNetwork } {
  const n = net.nodeCount;
  let minX = Infinity, maxX = -Infinity;
  for (let i = 0; i < n; i++) [minX, maxX] = [Math.min(minX, net.x[i]!), Math.max(maxX, net.x[i]!)];
  const shift = maxX - minX + 400;
  const x = new Float64Array(2 * n);
  const y = new Float64Array(2 * n);
  x.set(net.x);
  y.set(net.y);
  for (let i = 0; i < n; i++) [x[n + i], y[n + i]] = [net.x[i]! + shift, net.y[i]!];
  const links: NetworkLink[] = [...net.links, ...net.links.map((l) => ({ ...l, id: `${l.id}b`, from: l.from + n, to: l.to + n }))];
  // Join the 20 easternmost nodes of copy A to the nearest nodes of copy B.
  const east = [...Array(n).keys()].sort((a, b) => net.x[b]! - net.x[a]!).slice(0, 20);
  const idx = new PointIndex(x, y, 250, (i) => i >= n);
  for (const a of east) {
    const b = idx.nearest(x[a]!, y[a]!);
    const len = Math.hypot(x[a]! - x[b]!, y[a]! - y[b]!) * 0.6;
    links.push({ id: `join${a}`, from: a, to: b, oneway: false, lengthM: len, speedKmh: 50, capacityVehH: 1800, lanes: 2 });
  }
  return { net: { nodeCount: 2 * n, x, y, links } };
}
