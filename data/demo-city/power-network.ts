import type { PowerNodeKind } from '../../common/city-classes';
import type { CityPlan } from './city-plan';
import type { District } from './districts';
import { distance, polylineLength, type Position } from './geometry';
import { adjacency, dijkstra, pathTo, type GraphEdge } from './graph';
import type { Rng } from './prng';
import { round2 } from './projection';
import { nodeKey } from './street-drafts';
import type { StreetNetwork, StreetNode } from './streets';
import type { PlannedBuilding } from './buildings';
import { DESIGN_MARGIN, loadsAtNearest, standardRating } from './utility-loads';

export interface PlannedPowerNode {
  readonly id: number;
  readonly p: Position;
  readonly kind: PowerNodeKind;
  readonly name: string | null;
  readonly voltageKv: number;
  readonly capacityKva: number;
  readonly attributes: Record<string, unknown>;
}

export interface PlannedPowerLine {
  readonly from: number;
  readonly to: number;
  readonly points: Position[];
  readonly voltageKv: number;
  readonly capacityKva: number;
  readonly lengthM: number;
  readonly name: string;
  readonly attributes: Record<string, unknown>;
}

/** Smallest distribution transformer by district, kVA (standard sizes). */
const TRANSFORMER_KVA: Record<District, number> = {
  core: 1000,
  mid: 630,
  industrial: 1000,
  suburb: 400,
  rural: 400,
};
/** Standard transformer (or compound substation) ratings, kVA. */
const TRANSFORMER_SIZES = [250, 400, 630, 1000, 1600, 2000, 2500, 3150, 4000, 5000];
/** One 11 kV cable, 3×240 mm² Al XLPE: ≈ 340 A, so 6,500 kVA; heavier sections run cables in parallel. */
const CABLE_KVA = 6500;
const CABLE_R_OHM_KM = 0.125;
const CABLE_X_OHM_KM = 0.1;
/** Standard 110/11 kV substation ratings, kVA. */
const SUBSTATION_SIZES = [
  40000, 50000, 63000, 80000, 100000, 125000, 160000, 200000, 250000, 315000,
];

/**
 * The electricity network: the plan's 4–6 110/11 kV substations tied by 110 kV cables under the
 * main roads (a ring plus spokes to the central one), and 11 kV feeders following the streets from
 * each substation to distribution transformers every 2–3 blocks, each transformer fed from the
 * nearest substation along the streets.
 */
export function buildPowerNetwork(
  rng: Rng,
  plan: CityPlan,
  streets: StreetNetwork,
  buildings: readonly PlannedBuilding[] = [],
) {
  const edges: GraphEdge[] = streets.links.map((l) => ({
    from: l.from,
    to: l.to,
    cost: l.lengthM,
  }));
  const adj = adjacency(edges);
  const districtOf = (n: StreetNode) =>
    plan.cell(Math.min(n.a, plan.cells.length - 1), Math.min(n.b, plan.cells[0]!.length - 1))!
      .district;

  // Substations in their blocks, central first, each tied to the nearest crossing.
  const sites = plan.cells
    .flat()
    .filter((c) => c.landmark?.kind === 'substation')
    .sort((p, q) => Math.hypot(...p.centre) - Math.hypot(...q.centre));
  const nodes: PlannedPowerNode[] = [];
  const lines: PlannedPowerLine[] = [];
  /** Power node id by street-node key (transformers, and substations by their anchor). */
  const idOf = new Map<number, number>();
  const stationAt = new Map<number, Position>();
  const anchors = sites.map((cell, i) => {
    const corners = [
      [0, 0],
      [1, 0],
      [1, 1],
      [0, 1],
    ]
      .map(([da, db]) => streets.byKey.get(nodeKey(cell.a + da!, cell.b + db!)))
      .filter((n): n is StreetNode => n !== undefined);
    const candidates = corners.length > 0 ? corners : streets.nodes;
    const anchor = candidates.reduce((best, n) =>
      distance(n.p, cell.centre) < distance(best.p, cell.centre) ? n : best,
    );
    nodes.push({
      id: i + 1,
      p: cell.centre,
      kind: 'substation',
      name: cell.landmark!.name,
      voltageKv: 110,
      capacityKva: i === 0 ? 80000 : rng.pick([40000, 50000, 63000]),
      attributes: { secondary_kv: 11, road_node: anchor.id },
    });
    idOf.set(anchor.key, i + 1);
    stationAt.set(anchor.key, cell.centre);
    return anchor;
  });
  /** Street path to points, from (and to) the station itself where it ends at one. */
  const pathPoints = (path: number[], toStation = false) => {
    const points = path.map((k) => streets.byKey.get(k)!.p);
    const first = stationAt.get(path[0]!);
    const last = toStation ? stationAt.get(path[path.length - 1]!) : undefined;
    return [...(first ? [first] : []), ...points, ...(last ? [last] : [])];
  };

  // 110 kV cables, preferring arterials, then collectors: a ring plus spokes to the centre.
  const cableWeight = (i: number) => {
    const link = streets.links[i]!;
    return link.lengthM * (link.class === 'arterial' ? 1 : link.class === 'collector' ? 1.3 : 2.5);
  };
  const angle = (n: StreetNode) => Math.atan2(n.p[1], n.p[0]);
  const ring = anchors.slice(1).sort((p, q) => angle(p) - angle(q));
  const pairs: [StreetNode, StreetNode][] =
    ring.length > 2 ? ring.map((n, i) => [n, ring[(i + 1) % ring.length]!]) : [];
  for (const n of ring) pairs.push([anchors[0]!, n]);
  for (const [p, q] of pairs) {
    const path = pathTo(dijkstra(edges, adj, [p.key], cableWeight), q.key);
    const points = pathPoints(path.nodes, true);
    const nameOf = (n: StreetNode) => nodes[idOf.get(n.key)! - 1]!.name;
    lines.push({
      from: idOf.get(p.key)!,
      to: idOf.get(q.key)!,
      points,
      voltageKv: 110,
      capacityKva: 120000,
      lengthM: round2(polylineLength(points)),
      name: `110 kV ${nameOf(p)} – ${nameOf(q)}`,
      attributes: { cable: '3×1×800 mm² Cu XLPE' },
    });
  }

  // Transformers every 2nd crossing in dense districts, every 3rd in the suburbs.
  const transformers = streets.nodes.filter((n) => {
    if (idOf.has(n.key) || n.attributes['bridgehead']) return false;
    const district = districtOf(n);
    if (district === 'rural') return false;
    const step = district === 'suburb' ? 3 : 2;
    return n.a % step === 0 && n.b % step === 0;
  });
  // Each transformer is rated for the buildings nearest to it (the utility's design rule).
  const served = loadsAtNearest(
    buildings,
    transformers.map((n) => ({ key: n.key, p: n.p })),
  );
  const loadOf = new Map<number, number>();
  for (const n of transformers) {
    const id = nodes.length + 1;
    const kva = served.get(n.key)!.kva;
    loadOf.set(id, kva);
    nodes.push({
      id,
      p: n.p,
      kind: 'transformer',
      name: `${plan.names.col(n.a)} / ${plan.names.row(n.b)}`,
      voltageKv: 11,
      capacityKva: Math.max(
        TRANSFORMER_KVA[districtOf(n)],
        standardRating(kva * DESIGN_MARGIN, TRANSFORMER_SIZES, 1000),
      ),
      attributes: { secondary_kv: 0.4, road_node: n.id },
    });
    idOf.set(n.key, id);
  }

  // 11 kV feeders: each transformer hangs off the first transformer or substation upstream.
  const tree = dijkstra(
    edges,
    adj,
    anchors.map((n) => n.key),
  );
  const feederOf = new Map<number, { label: string; kva: number }>();
  const feederCount = new Map<number, number>();
  const byDistance = transformers
    .slice()
    .sort((p, q) => tree.dist.get(p.key)! - tree.dist.get(q.key)! || p.key - q.key);
  const feeders: PlannedPowerLine[] = [];
  for (const t of byDistance) {
    const { nodes: path } = pathTo(tree, t.key);
    let start = path.length - 2;
    while (start > 0 && !idOf.has(path[start]!)) start--;
    const parent = path[start]!;
    const points = pathPoints(path.slice(start));
    const substation = idOf.get(tree.source.get(t.key)!)!;
    let feeder = feederOf.get(parent);
    if (!feeder) {
      const count = (feederCount.get(substation) ?? 0) + 1;
      feederCount.set(substation, count);
      const label = `S${substation}-F${String(count).padStart(2, '0')}`;
      feeder = { label, kva: rng.pick([5000, 6500, 8000]) };
    }
    feederOf.set(t.key, feeder);
    feeders.push({
      from: idOf.get(parent)!,
      to: idOf.get(t.key)!,
      points,
      voltageKv: 11,
      capacityKva: feeder.kva,
      lengthM: round2(polylineLength(points)),
      name: `Feeder ${feeder.label}`,
      attributes: { feeder: feeder.label, cable: '3×240 mm² Al XLPE' },
    });
  }
  feeders.sort((p, q) => p.to - q.to);
  for (const t of transformers) {
    const node = nodes[idOf.get(t.key)! - 1]!;
    node.attributes['feeder'] = feederOf.get(t.key)?.label;
  }
  // Cables rated for everything downstream of them; substations for all their feeders.
  const children = new Map<number, PlannedPowerLine[]>();
  for (const f of feeders) children.set(f.from, [...(children.get(f.from) ?? []), f]);
  const memo = new Map<number, number>();
  const downstream = (id: number): number => {
    let v = memo.get(id);
    if (v === undefined) {
      v =
        (loadOf.get(id) ?? 0) + (children.get(id) ?? []).reduce((s, f) => s + downstream(f.to), 0);
      memo.set(id, v);
    }
    return v;
  };
  const sized = feeders.map((f) => {
    const need = downstream(f.to) * DESIGN_MARGIN;
    const cables = Math.max(1, Math.ceil(need / CABLE_KVA));
    return {
      ...f,
      capacityKva: Math.max(f.capacityKva, cables * CABLE_KVA),
      attributes: {
        ...f.attributes,
        cable: `${cables > 1 ? `${cables} × ` : ''}3×240 mm² Al XLPE`,
        r_ohm_per_km: round2((CABLE_R_OHM_KM / cables) * 1000) / 1000,
        x_ohm_per_km: round2((CABLE_X_OHM_KM / cables) * 1000) / 1000,
      },
    };
  });
  for (const node of nodes) {
    if (node.kind !== 'substation') continue;
    const need = downstream(node.id) * DESIGN_MARGIN;
    (node as { capacityKva: number }).capacityKva = Math.max(
      node.capacityKva,
      standardRating(need, SUBSTATION_SIZES, 50000),
    );
  }
  return { nodes, lines: [...lines, ...sized] };
}
