import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { loadCityModel, type CityModel, type UtilityModel } from './city-model';
import type { FactorSet } from './factors';
import { PointIndex } from './point-index';
import { trafficBaseline, type NetworkLink, type RoadNetwork, type TrafficBaseline } from './traffic-model';
import { feedTree, networkLoads, type FeedTree, type NetworkLoads } from './utility-network';
import {
  addYield,
  buildingYield,
  peakTrips,
  powerDemandKva,
  useMix,
  waterDemandLs,
  ZERO_YIELD,
  type BuildingYield,
  type YieldFigures,
} from './yield';

export interface UtilityState {
  model: UtilityModel;
  tree: FeedTree;
  /** Nodes demand attaches to (junctions; transformers for power). */
  attach: PointIndex;
  demand: Float64Array;
  loads: NetworkLoads;
}

/** Everything about the unchanged city the scenario impacts are measured against. */
export interface Baseline {
  city: CityModel;
  factors: FactorSet;
  yield: YieldFigures;
  traffic: TrafficBaseline;
  water: UtilityState;
  power: UtilityState;
  calibration: { sensors: number; scale: number } | null;
}

/** Yield of a baseline building: levels when known, else height ÷ storey height. */
export function baselineBuildingYield(city: CityModel, i: number, factors: FactorSet): BuildingYield {
  const b = city.buildings;
  const levels = b.levels[i]!;
  return buildingYield(
    {
      footprintM2: b.footprintM2[i]!,
      floors: Number.isFinite(levels) && levels > 0 ? levels : null,
      heightM: b.heightM[i]!,
      uses: useMix(b.use[i]!, factors),
    },
    factors,
  );
}

export function roadNetwork(city: CityModel): RoadNetwork {
  const r = city.roads;
  return {
    nodeCount: r.nodeId.length,
    x: r.x,
    y: r.y,
    links: r.links.map(
      (l): NetworkLink => ({
        id: l.id,
        from: l.from,
        to: l.to,
        oneway: l.oneway,
        lengthM: l.lengthM,
        speedKmh: l.speedKmh,
        capacityVehH: l.capacityVehH,
        lanes: l.lanes,
      }),
    ),
  };
}

export const WATER_SOURCES = new Set(['reservoir', 'tank']);
export const POWER_SOURCES = new Set(['substation']);

export function utilityState(model: UtilityModel, sources: Set<string>, attachKinds: Set<string> | null): UtilityState {
  const n = model.nodeId.length;
  const tree = feedTree(
    n,
    model.edges,
    model.kind.flatMap((k, i) => (sources.has(k) ? [i] : [])),
  );
  const hasAttach = attachKinds !== null && model.kind.some((k) => attachKinds.has(k));
  const attach = new PointIndex(model.x, model.y, 250, (i) => !hasAttach || attachKinds!.has(model.kind[i]!));
  const demand = new Float64Array(n);
  return { model, tree, attach, demand, loads: networkLoads(tree, model.edges.length, demand) };
}

/** Adds demand at (x, y) to the nearest attachable node. */
export function addDemand(state: UtilityState, demand: Float64Array, x: number, y: number, amount: number): void {
  const node = state.attach.nearest(x, y);
  if (node >= 0) demand[node] = demand[node]! + amount;
}

/** The tables of issue #4 exist (they are built in parallel; calibration is optional). */
export async function hasSensorTables(db: Kysely<Database>): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    SELECT to_regclass('sensor_state') IS NOT NULL AND to_regclass('sensors') IS NOT NULL
      AND to_regclass('readings') IS NOT NULL AS ok`.execute(db);
  return Boolean(rows[0]?.ok);
}

/**
 * Peak-hour flow (veh/h) per road link from `traffic_flow` sensors: the 95th percentile of the
 * last 24 h of readings (≈ the peak hour the model stands for), else the latest reading.
 */
async function sensorFlows(db: Kysely<Database>): Promise<Map<string, number>> {
  if (!(await hasSensorTables(db))) return new Map();
  const { rows } = await sql<{ link_id: string; value: number }>`
    SELECT s.asset_id::text AS link_id, avg(coalesce(
      (SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY r.value) FROM readings r
       WHERE r.sensor_id = s.id AND r.ts > now() - interval '24 hours'), st.value))::float8 AS value
    FROM sensors s JOIN sensor_state st ON st.sensor_id = s.id
    WHERE s.asset_type = 'road_link' AND s.kind = 'traffic_flow' AND st.value >= 0
    GROUP BY s.asset_id`.execute(db);
  return new Map(rows.map((r) => [String(r.link_id), Number(r.value)]));
}

/**
 * Changes when traffic sensor data moves on by a quarter of an hour (or appears): part of the
 * baseline key, so calibration follows live data without recomputing on every reading.
 */
export async function calibrationEpoch(db: Kysely<Database>): Promise<string> {
  if (!(await hasSensorTables(db))) return 'none';
  const { rows } = await sql<{ epoch: string | null }>`
    SELECT (floor(extract(epoch FROM max(st.ts)) / 900))::bigint::text AS epoch
    FROM sensor_state st JOIN sensors s ON s.id = st.sensor_id
    WHERE s.asset_type = 'road_link' AND s.kind = 'traffic_flow'`.execute(db);
  return rows[0]?.epoch ?? 'none';
}

/** Bounds on the calibration scale, so a few odd sensors cannot blow the model up. */
const CALIBRATION_RANGE: [number, number] = [0.25, 4];

/**
 * Builds the baseline: yield of every building, its trips, water and power demand at the
 * nearest nodes, the equilibrium assignment (scaled so modelled volumes on links with a live
 * `traffic_flow` sensor match the observed total) and the utility loads.
 */
export async function buildBaseline(db: Kysely<Database>, factors: FactorSet): Promise<Baseline> {
  const city = await loadCityModel(db);
  const n = city.buildings.id.length;
  const trips = new Float64Array(n);
  const water = utilityState(city.water, WATER_SOURCES, new Set(['junction']));
  const power = utilityState(city.power, POWER_SOURCES, new Set(['transformer']));
  let total: YieldFigures = { ...ZERO_YIELD };
  for (let i = 0; i < n; i++) {
    const y = baselineBuildingYield(city, i, factors);
    total = addYield(total, y);
    trips[i] = peakTrips(y, factors);
    const bx = city.buildings.x[i]!;
    const by = city.buildings.y[i]!;
    addDemand(water, water.demand, bx, by, waterDemandLs(y, factors));
    addDemand(power, power.demand, bx, by, powerDemandKva(y, factors));
  }
  water.loads = networkLoads(water.tree, city.water.edges.length, water.demand);
  power.loads = networkLoads(power.tree, city.power.edges.length, power.demand);

  const beta = factors.get('traffic.gravity_beta_per_min');
  const net = roadNetwork(city);
  const points = { x: city.buildings.x, y: city.buildings.y, trips };
  let traffic = await trafficBaseline(net, points, beta);
  let calibration: Baseline['calibration'] = null;
  const observed = await sensorFlows(db);
  if (observed.size > 0) {
    let obs = 0;
    let model = 0;
    for (const [id, v] of observed) {
      const l = city.roads.linkIndex.get(id);
      if (l === undefined) continue;
      obs += v;
      model += traffic.links.volume[l]!;
    }
    if (obs > 0 && model > 0) {
      const scale = Math.min(CALIBRATION_RANGE[1], Math.max(CALIBRATION_RANGE[0], obs / model));
      traffic = await trafficBaseline(net, points, beta, { scale });
      calibration = { sensors: observed.size, scale };
    }
  }
  return { city, factors, yield: total, traffic, water, power, calibration };
}
