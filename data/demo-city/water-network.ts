import type { WaterNodeKind } from '../../common/city-classes';
import type { CityPlan } from './city-plan';
import { distance, polylineLength, type Position } from './geometry';
import { adjacency, components, dijkstra, type GraphEdge } from './graph';
import type { Rng } from './prng';
import { round2 } from './projection';
import type { StreetLink, StreetNetwork, StreetNode } from './streets';
import { createTerrain } from './terrain';
import type { PlannedBuilding } from './buildings';
import { DESIGN_MARGIN, loadsAtNearest, standardRating } from './utility-loads';

/** Standard pipe bores, mm. */
const BORES = [100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 900, 1000];
/** Velocity pipes are sized for at the design peak, m/s (half the 2 m/s limit: meshes share unevenly). */
const SIZING_VELOCITY = 1.0;
/** Water towers hold their water this far above the highest junction, m. */
const TOWER_HEAD_M = 42;

/** The standard bore that carries `ls` l/s at the sizing velocity, at least `min` mm. */
const boreFor = (ls: number, min: number) =>
  Math.max(
    min,
    standardRating(Math.sqrt((4 * (ls / 1000)) / (Math.PI * SIZING_VELOCITY)) * 1000, BORES, 100),
  );

export interface PlannedWaterNode {
  readonly id: number;
  readonly p: Position;
  readonly kind: WaterNodeKind;
  readonly name: string | null;
  readonly elevation: number;
  readonly capacityM3: number | null;
  readonly attributes: Record<string, unknown>;
}

export interface PlannedWaterPipe {
  readonly from: number;
  readonly to: number;
  readonly points: Position[];
  readonly diameterMm: number;
  readonly material: string;
  readonly capacityLs: number;
  readonly lengthM: number;
  readonly attributes: Record<string, unknown>;
}

/** Years each pipe material was laid here: cast iron in the old core, PVC since the 1970s. */
const INSTALLED: Record<string, [number, number]> = {
  'cast iron': [1895, 1935],
  'ductile iron': [1962, 2010],
  PVC: [1975, 2020],
};

/** Design flow velocity for pipe capacity, m/s. */
const DESIGN_VELOCITY = 1.5;
/** Litres per second a pipe of this bore carries at the design velocity: π d²/4 · v · 1000. */
export const pipeCapacity = (diameterMm: number) =>
  round2((Math.PI * (diameterMm / 1000) ** 2 * DESIGN_VELOCITY * 1000) / 4);

/**
 * A drinking-water network under the streets: a hilltop reservoir and pump north of the city
 * feed a trunk main, 300–500 mm mains under the arterials (wider near the source), 100–200 mm
 * distribution pipes under collectors and most local streets, and a few water towers. Pipes
 * not connected to the reservoir are dropped, so every junction is supplied.
 */
export function buildWaterNetwork(
  rng: Rng,
  plan: CityPlan,
  streets: StreetNetwork,
  buildings: readonly PlannedBuilding[] = [],
) {
  const terrain = createTerrain(rng.fork('terrain'), plan.river);
  const { grid } = plan;
  const topRow = Math.max(...streets.nodes.map((n) => n.b));
  const entryCandidates = streets.nodes.filter(
    (n) => n.b === topRow && grid.cols[n.a]!.class === 'arterial' && n.p[0] !== 0,
  );
  const entry: StreetNode = rng.pick(entryCandidates.length > 0 ? entryCandidates : streets.nodes);

  const laid = streets.links.filter((l) => l.class !== 'local' || rng.at(l.id, 3) >= 0.12);
  const edges: GraphEdge[] = laid.map((l) => ({ from: l.from, to: l.to, cost: l.lengthM }));
  const adj = adjacency(edges);
  const supplied = new Set(components([entry.key], adj)[0]);
  const kept = laid.filter((l) => supplied.has(l.from));
  const keptEdges: GraphEdge[] = kept.map((l) => ({ from: l.from, to: l.to, cost: l.lengthM }));
  const fromSource = dijkstra(keptEdges, adjacency(keptEdges), [entry.key]).dist;

  const nodes: PlannedWaterNode[] = [];
  const pipes: PlannedWaterPipe[] = [];
  const addNode = (node: Omit<PlannedWaterNode, 'id'>) => {
    nodes.push({ ...node, id: nodes.length + 1 });
    return nodes.length;
  };
  const addPipe = (
    [from, to]: [number, number],
    points: Position[],
    diameterMm: number,
    material: string,
    installed: number,
  ) => {
    pipes.push({
      from,
      to,
      points,
      diameterMm,
      material,
      capacityLs: pipeCapacity(diameterMm),
      lengthM: round2(polylineLength(points)),
      attributes: { installed },
    });
  };

  const reservoirAt: Position = [entry.p[0], entry.p[1] + 260];
  const pumpAt: Position = [entry.p[0], entry.p[1] + 110];
  const reservoirGround = terrain(reservoirAt) + 18;
  const reservoir = addNode({
    p: reservoirAt,
    kind: 'reservoir',
    name: 'Hill Reservoir',
    elevation: reservoirGround,
    capacityM3: 60000,
    attributes: { water_level_m: round2(reservoirGround + 6) },
  });
  const junctionKeys = [...new Set(kept.flatMap((l) => [l.from, l.to]))].sort((p, q) => p - q);
  const junctions = junctionKeys.map((key) => streets.byKey.get(key)!);
  // Design peak demand at each junction (the buildings nearest to it), and the towers' level.
  const demandAt = loadsAtNearest(
    buildings,
    junctions.map((n) => ({ key: n.key, p: n.p })),
  );
  const totalDemand = [...demandAt.values()].reduce((sum, d) => sum + d.ls, 0) * DESIGN_MARGIN;
  const towerLevel = round2(Math.max(...junctions.map((n) => terrain(n.p))) + TOWER_HEAD_M);
  const pumpFlow = Math.max(100, Math.round((totalDemand * 0.6) / 10) * 10);
  const pump = addNode({
    p: pumpAt,
    kind: 'pump',
    name: 'Hill Pumping Station',
    elevation: terrain(pumpAt),
    capacityM3: null,
    attributes: {
      head_m: Math.max(20, Math.round(towerLevel - (reservoirGround + 6) + 15)),
      flow_l_s: pumpFlow,
    },
  });

  // Water towers stand in the neighbourhood parks, piped to the nearest junction.
  const parkCentres = plan.zones
    .filter((z) => z.class === 'park' && z.key !== 'park:riverside')
    .map((z) => plan.cells.flat().filter((c) => c.zone === z.key))
    .filter((cells) => cells.length > 0)
    .map((cells) => cells[Math.floor(cells.length / 2)]!.centre);
  const tanks = parkCentres.slice(0, rng.int(2, 4)).map((at) => {
    const nearest = junctions.reduce((best, n) =>
      distance(n.p, at) < distance(best.p, at) ? n : best,
    );
    return { at, key: nearest.key };
  });
  const tankIds = tanks.map(({ at }, i) => {
    const ground = terrain(at);
    return addNode({
      p: at,
      kind: 'tank',
      name: `Water Tower ${i + 1}`,
      elevation: ground,
      capacityM3: rng.pick([2000, 3000, 5000]),
      attributes: { structure: 'water tower', water_level_m: towerLevel },
    });
  });

  const junctionId = new Map<number, number>();
  for (const key of junctionKeys) {
    const n = streets.byKey.get(key)!;
    junctionId.set(
      key,
      addNode({
        p: n.p,
        kind: 'junction',
        name: null,
        elevation: terrain(n.p),
        capacityM3: null,
        attributes: { road_node: n.id },
      }),
    );
  }

  const entryId = junctionId.get(entry.key)!;
  const pumpBore = standardRating(
    Math.sqrt((4 * (pumpFlow / 1000)) / (Math.PI * 1.5)) * 1000,
    BORES,
    100,
  );
  addPipe([reservoir, pump], [reservoirAt, pumpAt], Math.max(600, pumpBore), 'steel', 1968);
  addPipe([pump, entryId], [pumpAt, entry.p], Math.max(600, pumpBore), 'steel', 1968);
  const towerFlow = Math.max(0, totalDemand - pumpFlow) / Math.max(1, tanks.length);
  tanks.forEach(({ at, key }, i) => {
    const ends: [number, number] = [tankIds[i]!, junctionId.get(key)!];
    addPipe(ends, [at, streets.byKey.get(key)!.p], boreFor(towerFlow, 300), 'ductile iron', 1975);
  });
  // Pipe flows at the design peak on the shortest-path tree from the sources (pump entry and
  // towers): each pipe carries the demand of everything downstream of it on that tree.
  const tree = dijkstra(keptEdges, adjacency(keptEdges), [entry.key, ...tanks.map((t) => t.key)]);
  const through = new Map<number, number>();
  for (const [key, d] of demandAt) through.set(key, d.ls * DESIGN_MARGIN);
  const edgeFlow = new Float64Array(kept.length);
  for (let i = tree.order.length - 1; i >= 0; i--) {
    const key = tree.order[i]!;
    const prev = tree.prev.get(key);
    if (!prev) continue;
    const q = through.get(key) ?? 0;
    edgeFlow[prev.edge] = q;
    through.set(prev.node, (through.get(prev.node) ?? 0) + q);
  }
  for (const [i, link] of kept.entries()) {
    const diameter = boreFor(edgeFlow[i]!, diameterFor(link, fromSource.get(link.from) ?? 0));
    const material =
      diameter >= 300 ? 'ductile iron' : link.district === 'core' ? 'cast iron' : 'PVC';
    const [from, to] = INSTALLED[material]!;
    const ends: [number, number] = [junctionId.get(link.from)!, junctionId.get(link.to)!];
    addPipe(ends, link.points, diameter, material, rng.int(from, to));
  }
  return { nodes, pipes };
}

/**
 * The smallest bore in mm by street: mains narrow with distance from the source; distribution by
 * street and district. Pipes carrying more at the design peak get a bigger bore (boreFor).
 */
function diameterFor(link: StreetLink, metresFromSource: number): number {
  if (link.class === 'arterial') {
    return metresFromSource < 2500 ? 500 : metresFromSource < 5000 ? 400 : 300;
  }
  if (link.class === 'collector') return 200;
  return link.district === 'suburb' || link.district === 'rural' ? 100 : 150;
}
