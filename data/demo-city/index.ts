import { buildBuildings, type PlannedBuilding } from './buildings';
import { createCityPlan } from './city-plan';
import { closeRing, signedArea, type Position } from './geometry';
import { createStreetGrid } from './grid';
import { buildLandUse } from './land-use';
import { buildPowerNetwork } from './power-network';
import { Rng } from './prng';
import { createProjector } from './projection';
import { createRiver } from './river';
import { createStreetNames } from './street-names';
import { buildStreets } from './streets';
import type { DemoCity } from './types';
import { buildWaterNetwork } from './water-network';

export type * from './types';
export { DEMO_LAYERS } from './types';

export interface DemoCityOptions {
  /** Any integer; the same seed and centre give byte-identical output. */
  seed: number;
  /** [longitude, latitude] of the city centre, degrees. */
  center: [number, number];
}

/** Half the width of the street grid, metres: the city is about 8 km across. */
const HALF_EXTENT = 4000;
const TOWER_NAMES = [
  'Meridian Tower',
  'Crown Point',
  'Beacon Tower',
  'Exchange Plaza',
  'The Spire',
];

/**
 * Generates a believable synthetic city around `center`: a rotated, slightly irregular street
 * grid with a sinuous river and bridges, land-use zones and parks, ~25,000 buildings by
 * district, and water and power networks under the streets. Pure and deterministic.
 */
export function generateDemoCity({ seed, center }: DemoCityOptions): DemoCity {
  const [lon, lat] = center;
  if (!(Math.abs(lon) <= 180 && Math.abs(lat) <= 80)) {
    throw new RangeError(`demo city centre must be [lon, lat] within ±180, ±80; got ${center}`);
  }
  const rng = new Rng(seed);
  const grid = createStreetGrid(rng.fork('grid'), HALF_EXTENT);
  const river = createRiver(rng.fork('river'), HALF_EXTENT);
  const names = createStreetNames(rng.fork('names'), grid);
  const plan = createCityPlan(rng.fork('plan'), grid, river, names);
  const streets = buildStreets(rng.fork('streets'), plan);
  const buildings = buildBuildings(rng.fork('buildings'), plan);
  nameTallestTowers(rng.fork('towers'), buildings);
  const water = buildWaterNetwork(rng.fork('water'), plan, streets, buildings);
  const power = buildPowerNetwork(rng.fork('power'), plan, streets, buildings);

  const project = createProjector(center, grid.rotation);
  const landUse = buildLandUse(plan, project);
  const line = (points: Position[]) => points.map(project);
  const polygon = (rings: Position[][]) =>
    rings.map((ring, i) => {
      const oriented = signedArea(ring) > 0 === (i === 0) ? ring : ring.slice().reverse();
      return closeRing(oriented).map(project);
    });

  return {
    seed,
    center: [center[0], center[1]],
    land_use: landUse.map((l, i) => ({
      id: i + 1,
      geom: l.polygons,
      class: l.class,
      name: l.name,
      max_height_m: l.maxHeight,
      attributes: l.attributes,
    })),
    road_nodes: streets.nodes.map((n) => ({
      id: n.id,
      geom: project(n.p),
      attributes: n.attributes,
    })),
    road_links: streets.links.map((l) => ({
      id: l.id,
      from_node: streets.byKey.get(l.from)!.id,
      to_node: streets.byKey.get(l.to)!.id,
      geom: line(l.points),
      class: l.class,
      name: l.name,
      lanes: l.lanes,
      speed_limit_kmh: l.speedKmh,
      capacity_veh_h: l.capacity,
      oneway: l.oneway,
      length_m: l.lengthM,
      attributes: l.bridge ? { bridge: true } : {},
    })),
    buildings: buildings.map((b, i) => ({ id: i + 1, geom: [polygon(b.rings)], ...b.info })),
    water_nodes: water.nodes.map((n) => ({
      id: n.id,
      geom: project(n.p),
      kind: n.kind,
      name: n.name,
      elevation_m: n.elevation,
      capacity_m3: n.capacityM3,
      attributes: n.attributes,
    })),
    water_pipes: water.pipes.map((p, i) => ({
      id: i + 1,
      from_node: p.from,
      to_node: p.to,
      geom: line(p.points),
      diameter_mm: p.diameterMm,
      material: p.material,
      capacity_l_s: p.capacityLs,
      length_m: p.lengthM,
      attributes: p.attributes,
    })),
    power_nodes: power.nodes.map((n) => ({
      id: n.id,
      geom: project(n.p),
      kind: n.kind,
      name: n.name,
      voltage_kv: n.voltageKv,
      capacity_kva: n.capacityKva,
      attributes: n.attributes,
    })),
    power_lines: power.lines.map((l, i) => ({
      id: i + 1,
      from_node: l.from,
      to_node: l.to,
      geom: line(l.points),
      voltage_kv: l.voltageKv,
      capacity_kva: l.capacityKva,
      length_m: l.lengthM,
      name: l.name,
      attributes: l.attributes,
    })),
  };
}

/** The city's few tallest towers get names, as they would on any skyline. */
function nameTallestTowers(rng: Rng, buildings: PlannedBuilding[]): void {
  const towers = buildings
    .filter((b) => b.info.name === null && b.info.height_m >= 100)
    .sort((p, q) => q.info.height_m - p.info.height_m);
  rng.shuffle(TOWER_NAMES).forEach((name, i) => {
    const tower = towers[i];
    if (tower) tower.info.name = name;
  });
}
