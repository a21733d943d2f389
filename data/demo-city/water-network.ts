import type { WaterNodeKind } from '../../server/db/schema';
import type { CityPlan } from './city-plan';
import { distance, polylineLength, type Position } from './geometry';
import { adjacency, components, dijkstra, type GraphEdge } from './graph';
import type { Rng } from './prng';
import { round2 } from './projection';
import type { StreetLink, StreetNetwork, StreetNode } from './streets';
import { createTerrain } from './terrain';

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
export function buildWaterNetwork(rng: Rng, plan: CityPlan, streets: StreetNetwork) {
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
    p: reservoirAt, kind: 'reservoir', name: 'Hill Reservoir', elevation: reservoirGround,
    capacityM3: 60000, attributes: { water_level_m: round2(reservoirGround + 6) },
  });
  const pump = addNode({
    p: pumpAt, kind: 'pump', name: 'Hill Pumping Station', elevation: terrain(pumpAt),
    capacityM3: null, attributes: { head_m: 45, flow_l_s: 600 },
  });

  const junctionKeys = [...new Set(kept.flatMap((l) => [l.from, l.to]))].sort((p, q) => p - q);
  // Water towers stand in the neighbourhood parks, piped to the nearest junction.
  const junctions = junctionKeys.map((key) => streets.byKey.get(key)!);
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
      p: at, kind: 'tank', name: `Water Tower ${i + 1}`, elevation: ground,
      capacityM3: rng.pick([2000, 3000, 5000]),
      attributes: { structure: 'water tower', water_level_m: round2(ground + 35) },
    });
  });

  const junctionId = new Map<number, number>();
  for (const key of junctionKeys) {
    const n = streets.byKey.get(key)!;
    junctionId.set(key, addNode({
      p: n.p, kind: 'junction', name: null, elevation: terrain(n.p), capacityM3: null,
      attributes: { road_node: n.id },
    }));
  }

  const entryId = junctionId.get(entry.key)!;
  addPipe([reservoir, pump], [reservoirAt, pumpAt], 600, 'steel', 1968);
  addPipe([pump, entryId], [pumpAt, entry.p], 600, 'steel', 1968);
  tanks.forEach(({ at, key }, i) => {
    const ends: [number, number] = [tankIds[i]!, junctionId.get(key)!];
    addPipe(ends, [at, streets.byKey.get(key)!.p], 300, 'ductile iron', 1975);
  });
  for (const link of kept) {
    const diameter = diameterFor(link, fromSource.get(link.from) ?? 0);
    const material =
      diameter >= 300 ? 'ductile iron' : link.district === 'core' ? 'cast iron' : 'PVC';
    const [from, to] = INSTALLED[material]!;
    const ends: [number, number] = [junctionId.get(link.from)!, junctionId.get(link.to)!];
    addPipe(ends, link.points, diameter, material, rng.int(from, to));
  }
  return { nodes, pipes };
}

/** Bore in mm: mains narrow with distance from the source; distribution by street and district. */
function diameterFor(link: StreetLink, metresFromSource: number): number {
  if (link.class === 'arterial') {
    return metresFromSource < 2500 ? 500 : metresFromSource < 5000 ? 400 : 300;
  }
  if (link.class === 'collector') return 200;
  return link.district === 'suburb' || link.district === 'rural' ? 100 : 150;
}
