import type { CalibrationReport, CalibrationSummary } from '../../common/scenario-types';
import type { CityModel } from './city-model';
import { FactorSet, type Factor } from './factors';
import { calibrate, INTERMEDIATE_GAP, type CountData } from './odme';
import { PointIndex } from './point-index';
import { powerTree, sweep, type PowerState, type PowerTree } from './power-model';
import {
  trafficBaseline,
  type NetworkLink,
  type RoadNetwork,
  type TrafficBaseline,
} from './traffic-model';
import { waterInp, WaterSolver, type WaterState } from './water-model';
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

/** A building farther than this from every junction or transformer is outside the utility model. */
export const MAX_SERVICE_M = 1000;

/** What the main thread sends a worker to build a baseline from (structured-cloneable). */
export interface BaselineInput {
  key: string;
  city: CityModel;
  factors: { factors: Factor[]; version: string };
  counts: CountData | null;
}

export interface UtilityOutside {
  buildings: number;
  demand: number;
}

export interface WaterBaseline {
  solver: WaterSolver;
  /** Junctions demand attaches to. */
  attach: PointIndex;
  /** Building demand per node, l/s (the model's own demands are in the solver). */
  demand: Float64Array;
  state: WaterState;
  outside: UtilityOutside;
}

export interface PowerBaseline {
  tree: PowerTree;
  attach: PointIndex;
  /** Building demand per node, kVA. */
  load: Float64Array;
  state: PowerState;
  outside: UtilityOutside;
}

/** Everything about the unchanged city the scenario impacts are measured against. */
export interface Baseline {
  key: string;
  city: CityModel;
  factors: FactorSet;
  yield: YieldFigures;
  traffic: TrafficBaseline;
  calibration: CalibrationSummary;
  calibrationReport: CalibrationReport | null;
  water: WaterBaseline;
  power: PowerBaseline;
  /** Milliseconds per step of the build. */
  timings: Record<string, number>;
}

/** Yield of a baseline building: levels when known, else height ÷ storey height. */
export function baselineBuildingYield(
  city: CityModel,
  i: number,
  factors: FactorSet,
): BuildingYield {
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
    links: r.links.map((l): NetworkLink => ({
      id: l.id,
      from: l.from,
      to: l.to,
      oneway: l.oneway,
      lengthM: l.lengthM,
      speedKmh: l.speedKmh,
      capacityVehH: l.capacityVehH,
      lanes: l.lanes,
    })),
  };
}

/** Adds `amount` at the attach node nearest (x, y) within MAX_SERVICE_M; false when there is none. */
export function attachDemand(
  attach: PointIndex,
  demand: Float64Array,
  x: number,
  y: number,
  amount: number,
): boolean {
  const node = attach.nearest(x, y, MAX_SERVICE_M);
  if (node < 0) return false;
  demand[node] = demand[node]! + amount;
  return true;
}

/**
 * Builds the baseline: yield of every building, its trips, water and power demand at the nearest
 * junction / transformer; the traffic equilibrium, calibrated to the counts when there are enough;
 * the EPANET hydraulic solve and the feeder load flow. Runs in an impact worker thread.
 */
export async function buildBaseline(
  input: BaselineInput,
  onPhase: (phase: string) => void = () => {},
): Promise<Baseline> {
  const timings: Record<string, number> = {};
  let clock = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - clock);
    clock = now;
  };
  const { city } = input;
  const factors = new FactorSet(input.factors.factors, input.factors.version);
  const n = city.buildings.id.length;
  const trips = new Float64Array(n);
  const water = city.water;
  const power = city.power;
  const waterAttach = new PointIndex(water.x, water.y, (i) => water.kind[i] === 'junction');
  const powerAttach = new PointIndex(power.x, power.y, (i) => power.kind[i] === 'transformer');
  const waterDemand = new Float64Array(water.nodeId.length);
  const powerLoad = new Float64Array(power.nodeId.length);
  const waterOutside: UtilityOutside = { buildings: 0, demand: 0 };
  const powerOutside: UtilityOutside = { buildings: 0, demand: 0 };
  let total: YieldFigures = { ...ZERO_YIELD };
  onPhase('yield');
  for (let i = 0; i < n; i++) {
    const y = baselineBuildingYield(city, i, factors);
    total = addYield(total, y);
    trips[i] = peakTrips(y, factors);
    const bx = city.buildings.x[i]!;
    const by = city.buildings.y[i]!;
    const w = waterDemandLs(y, factors);
    if (!attachDemand(waterAttach, waterDemand, bx, by, w)) {
      waterOutside.buildings++;
      waterOutside.demand += w;
    }
    const p = powerDemandKva(y, factors);
    if (!attachDemand(powerAttach, powerLoad, bx, by, p)) {
      powerOutside.buildings++;
      powerOutside.demand += p;
    }
  }
  lap('yield_ms');

  onPhase('traffic');
  const net = roadNetwork(city);
  // With counts to calibrate to, the gravity matrix is only a starting point: solved loosely,
  // then estimated; the calibrated matrix is solved to the baseline gap.
  const willCalibrate =
    input.counts !== null &&
    input.counts.hoursOfData >= input.counts.minHours &&
    input.counts.sites.length > 0;
  const prior = trafficBaseline(
    net,
    { x: city.buildings.x, y: city.buildings.y, trips },
    factors.get('traffic.gravity_beta_per_min'),
    {
      gap: willCalibrate ? INTERMEDIATE_GAP : undefined,
    },
  );
  lap('traffic_ms');
  onPhase('calibration');
  const calibrated = calibrate(prior, input.counts);
  lap('calibration_ms');

  onPhase('water');
  const solver = await WaterSolver.open(waterInp(water));
  const waterState = solver.solve(waterDemand);
  lap('water_ms');

  onPhase('power');
  const tree = powerTree(
    power,
    factors.get('power.cable_r_ohm_per_km'),
    factors.get('power.cable_x_ohm_per_km'),
  );
  const powerState = sweep(tree, powerLoad, factors.get('power.power_factor'));
  lap('power_ms');

  return {
    key: input.key,
    city,
    factors,
    yield: total,
    traffic: calibrated.traffic,
    calibration: calibrated.summary,
    calibrationReport: calibrated.report,
    water: {
      solver,
      attach: waterAttach,
      demand: waterDemand,
      state: waterState,
      outside: waterOutside,
    },
    power: { tree, attach: powerAttach, load: powerLoad, state: powerState, outside: powerOutside },
    timings,
  };
}
