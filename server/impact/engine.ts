import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { addDemand, baselineBuildingYield, type Baseline, type UtilityState } from './baseline';
import type { Factor, FactorSet, Use } from './factors';
import { foldEdits, loadEdits, type EditRow } from './scenario-state';
import { shadowImpact, type ShadowSource } from './shadow-impact';
import { trafficScenario, type DemandChange, type Kpis, type NetworkLink, type RoadChange } from './traffic-model';
import { loadRatio, networkLoads } from './utility-network';
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
import { zoningCheck, type ZoningSubject } from './zoning';

/** Rows of the "most affected links" list. */
const TOP_LINKS = 10;
/** Links whose volume changes less than this (veh/h) are left out of `traffic.links`. */
const LINK_CHANGE_MIN = 1;

export interface ImpactOptions {
  /** Days for the shadow study; default: equinox and winter solstice of the current year. */
  shadowDays?: { label: string; date: Date }[];
}

const round = (v: number, d = 2) => (Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : v);
const roundAll = <T extends object>(o: T, d = 2): T =>
  Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v, d) : v])) as T;

function diff<T extends object>(a: T, b: T): T {
  return Object.fromEntries(
    Object.entries(b).map(([k, v]) => [k, typeof v === 'number' ? v - ((a as Record<string, number>)[k] ?? 0) : v]),
  ) as T;
}

/** The use mix of an edit payload (`use` or `uses`). */
function usesOf(p: { use?: string | null; uses?: Record<string, number> | null }, factors: FactorSet): Partial<Record<Use, number>> {
  if (p.uses) return p.uses as Partial<Record<Use, number>>;
  return useMix(p.use ?? 'residential', factors);
}

/** Computes the impact of a scenario's edits against the baseline. */
export async function computeImpact(
  db: Kysely<Database>,
  base: Baseline,
  scenarioId: string,
  options: ImpactOptions = {},
) {
  const factors = base.factors;
  const city = base.city;
  const timings: Record<string, number> = {};
  let clock = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - clock);
    clock = now;
  };
  const edits = await loadEdits(db, scenarioId);
  const state = foldEdits(edits);

  // --- yield, and the demand changes every other model uses
  let scenarioYield: YieldFigures = { ...base.yield };
  const demand: { x: number; y: number; from: BuildingYield | null; to: BuildingYield | null }[] = [];
  const perEdit: Record<string, unknown>[] = [];
  const used = new Set<string>();
  const shadowSources: ShadowSource[] = [];
  const zoningSubjects: ZoningSubject[] = [];

  for (const e of state.added) {
    const p = e.payload as { floors?: number; height_m?: number; use?: string; uses?: Record<string, number> };
    const y = buildingYield({ footprintM2: e.area_m2 ?? 0, floors: p.floors, heightM: p.height_m, uses: usesOf(p, factors) }, factors);
    y.factors.forEach((k) => used.add(k));
    scenarioYield = addYield(scenarioYield, y);
    demand.push({ x: e.x!, y: e.y!, from: null, to: y });
    perEdit.push({ edit_id: e.id, kind: e.kind, building_id: null, floors: y.floors, height_m: round(y.height_m, 1), ...yieldJson(y), delta: yieldJson(y) });
    if (e.shape) shadowSources.push({ editId: e.id, buildingId: null, shape: e.shape, heightM: y.height_m, baseHeightM: 0 });
    zoningSubjects.push({ editId: e.id, buildingId: null, heightM: y.height_m, source: 'edit' });
  }
  for (const c of state.buildings.values()) {
    const i = city.buildings.index.get(c.buildingId);
    if (i === undefined) continue;
    const before = baselineBuildingYield(city, i, factors);
    let after: BuildingYield | null = null;
    if (!c.removed) {
      const floors = c.floors ?? (c.heightM === null ? before.floors : null);
      after = buildingYield(
        {
          footprintM2: city.buildings.footprintM2[i]!,
          floors,
          heightM: c.heightM,
          uses: c.use || c.uses ? usesOf({ use: c.use, uses: c.uses }, factors) : useMix(city.buildings.use[i]!, factors),
        },
        factors,
      );
      after.factors.forEach((k) => used.add(k));
      if (after.height_m > city.buildings.heightM[i]! && c.shape) {
        shadowSources.push({ editId: c.editId, buildingId: c.buildingId, shape: c.shape, heightM: after.height_m, baseHeightM: city.buildings.heightM[i]! });
      }
      zoningSubjects.push({ editId: c.editId, buildingId: c.buildingId, heightM: after.height_m, source: 'building' });
    }
    scenarioYield = addYield(addYield(scenarioYield, before, -1), after ?? ZERO_YIELD);
    demand.push({ x: city.buildings.x[i]!, y: city.buildings.y[i]!, from: before, to: after });
    perEdit.push({
      edit_id: c.editId,
      kind: c.removed ? 'demolish_building' : 'change_building',
      building_id: c.buildingId,
      floors: after?.floors ?? 0,
      height_m: round(after?.height_m ?? 0, 1),
      ...yieldJson(after ?? ZERO_YIELD),
      delta: yieldJson(addYield(after ?? ZERO_YIELD, before, -1)),
    });
  }

  lap('yield_ms');
  // --- traffic
  const tripChanges: DemandChange[] = demand.map((d) => ({
    x: d.x,
    y: d.y,
    trips: (d.to ? peakTrips(d.to, factors) : 0) - (d.from ? peakTrips(d.from, factors) : 0),
  }));
  const roadChanges: RoadChange[] = [];
  for (const r of state.roads.values()) {
    const link = city.roads.linkIndex.get(r.linkId);
    if (link !== undefined) roadChanges.push({ link, closed: r.closed, lanes: r.lanes, speedKmh: r.speedKmh, capacityVehH: r.capacityVehH });
  }
  const addedLinks = state.addedRoads.flatMap((e) => addedRoadLink(base, e));
  const beta = factors.get('traffic.gravity_beta_per_min');
  const traffic = await trafficScenario(base.traffic, tripChanges, roadChanges, addedLinks, beta);
  const ref = traffic.reference;
  const baseLinks = ref.links;
  const links = city.roads.links;
  const changed: Record<string, unknown>[] = [];
  for (let l = 0; l < links.length + addedLinks.length; l++) {
    const before = l < links.length ? baseLinks.volume[l]! : 0;
    const after = traffic.links.volume[l]!;
    if (Math.abs(after - before) < LINK_CHANGE_MIN) continue;
    const link = l < links.length ? links[l]! : null;
    changed.push({
      link_id: link ? link.id : null,
      edit_id: link ? null : state.addedRoads[l - links.length]?.id ?? null,
      name: link?.name ?? null,
      class: link?.class ?? null,
      baseline_volume: round(before, 1),
      volume: round(after, 1),
      change: round(after - before, 1),
      vc: round(traffic.links.vc[l]!, 3),
      time_s: round(traffic.links.timeS[l]!, 1),
      baseline_time_s: l < links.length ? round(baseLinks.timeS[l]!, 1) : null,
    });
  }
  changed.sort((a, b) => Math.abs(b.change as number) - Math.abs(a.change as number));
  for (const k of ['traffic.urban_car_factor', 'traffic.gravity_beta_per_min', 'residential.peak_trips_per_dwelling']) used.add(k);
  for (const d of demand) for (const y of [d.from, d.to]) for (const u of Object.keys(y?.gfa_by_use ?? {})) if (u !== 'residential') used.add(`${u}.peak_trips_per_100m2`);

  lap('traffic_ms');
  // --- utilities
  const water = utilityImpact(base.water, 'water', 'water_pipe', 'water_node', 'l/s', demand, (y) => waterDemandLs(y, factors));
  const power = utilityImpact(base.power, 'power', 'power_line', 'power_node', 'kVA', demand, (y) => powerDemandKva(y, factors));
  for (const k of ['water.l_per_resident_day', 'water.l_per_job_day', 'water.peak_factor', 'power.power_factor']) used.add(k);
  for (const d of demand) for (const y of [d.from, d.to]) for (const u of Object.keys(y?.gfa_by_use ?? {})) used.add(`power.${u}_w_per_m2`);

  lap('utilities_ms');
  // --- shadow and zoning
  const excluded = [...state.buildings.keys()];
  const shadow = await shadowImpact(db, shadowSources, excluded, options.shadowDays);
  lap('shadow_ms');
  const zoning = await zoningCheck(db, scenarioId, zoningSubjects);
  lap('zoning_ms');

  const kp = (k: Kpis) => roundAll(k, 2);
  return {
    yield: {
      baseline: yieldJson(base.yield),
      scenario: yieldJson(scenarioYield),
      delta: yieldJson(addYield(scenarioYield, base.yield, -1)),
      edits: perEdit,
      factors: citeFactors(factors, [...used].filter((k) => !k.startsWith('traffic.') && !k.includes('trips') && !k.startsWith('water.') && !k.startsWith('power.'))),
    },
    traffic: {
      baseline: kp(ref.kpis),
      scenario: kp(traffic.kpis),
      delta: kp(diff(ref.kpis, traffic.kpis)),
      kpis: {
        vehicle_km: kpiTriple(ref.kpis.vehicle_km, traffic.kpis.vehicle_km),
        vehicle_hours: kpiTriple(ref.kpis.vehicle_hours, traffic.kpis.vehicle_hours),
        mean_delay_s: kpiTriple(ref.kpis.mean_delay_s, traffic.kpis.mean_delay_s),
        trips: kpiTriple(ref.kpis.trips, traffic.kpis.trips),
      },
      most_affected: changed.slice(0, TOP_LINKS),
      links: changed,
      added_trips: round(tripChanges.reduce((s, t) => s + t.trips, 0), 1),
      assignment: {
        method: 'Frank–Wolfe user equilibrium, BPR t = t0·(1 + 0.15·(v/c)^4)',
        baseline_iterations: base.traffic.result.iterations + (traffic.warmStart ? ref.result.iterations : 0),
        baseline_relative_gap: round(ref.result.relativeGap, 5),
        iterations: traffic.result.iterations,
        warm_start: traffic.warmStart,
        relative_gap: round(traffic.result.relativeGap, 5),
        zones: base.traffic.zones.node.length,
      },
      calibration: base.calibration,
      factors: citeFactors(factors, [...used].filter((k) => k.startsWith('traffic.') || k.includes('trips'))),
    },
    utilities: {
      water: water.summary,
      power: power.summary,
      flagged: [...water.flagged, ...power.flagged],
      assets: [...water.assets, ...power.assets],
      model: 'demand at the nearest node, carried along the shortest-path tree to the nearest source',
      factors: citeFactors(factors, [...used].filter((k) => k.startsWith('water.') || k.startsWith('power.'))),
    },
    shadow,
    zoning,
    timings,
  };
}

function kpiTriple(baseline: number, scenario: number) {
  return { baseline: round(baseline), scenario: round(scenario), delta: round(scenario - baseline) };
}

function yieldJson(y: YieldFigures) {
  return { gfa_m2: round(y.gfa_m2, 1), nia_m2: round(y.nia_m2, 1), dwellings: round(y.dwellings, 1), residents: round(y.residents, 1), jobs: round(y.jobs, 1) };
}

function citeFactors(factors: FactorSet, keys: string[]): Factor[] {
  return factors.cite(keys.sort());
}

/** An added road joined to the graph at the road nodes nearest its two ends. */
function addedRoadLink(base: Baseline, e: EditRow): NetworkLink[] {
  const idx = base.traffic.nodeIndex;
  const from = idx.nearest(e.x!, e.y!);
  const to = idx.nearest(e.x2!, e.y2!);
  if (from < 0 || to < 0 || from === to) return [];
  const p = e.payload as { oneway?: boolean };
  return [{
    id: `edit:${e.id}`,
    from,
    to,
    oneway: p.oneway ?? false,
    lengthM: e.length_m ?? 0,
    speedKmh: e.speed_limit_kmh ?? 50,
    capacityVehH: e.capacity_veh_h ?? 900 * (e.lanes ?? 1),
    lanes: e.lanes ?? 1,
  }];
}

function utilityImpact(
  base: UtilityState,
  network: 'water' | 'power',
  edgeAsset: string,
  nodeAsset: string,
  unit: string,
  changes: { x: number; y: number; from: BuildingYield | null; to: BuildingYield | null }[],
  demandOf: (y: BuildingYield) => number,
) {
  const demand = base.demand.slice();
  let added = 0;
  for (const c of changes) {
    const d = (c.to ? demandOf(c.to) : 0) - (c.from ? demandOf(c.from) : 0);
    added += d;
    addDemand(base, demand, c.x, c.y, d);
  }
  const m = base.model;
  const loads = networkLoads(base.tree, m.edges.length, demand);
  const flagged: Record<string, unknown>[] = [];
  const assets: Record<string, unknown>[] = [];
  let overBase = 0;
  let overScenario = 0;
  const check = (asset: string, id: string, capacity: number, before: number, after: number) => {
    if (!(capacity > 0)) return;
    if (before > capacity) overBase++;
    if (after > capacity) overScenario++;
    if (Math.abs(after - before) < 1e-9) return;
    const row = {
      network,
      asset,
      id,
      unit,
      capacity: round(capacity, 2),
      baseline_load: round(before, 3),
      load: round(after, 3),
      ratio: round(loadRatio(after, capacity), 3),
      headroom: round(capacity - after, 3),
      baseline_headroom: round(capacity - before, 3),
    };
    assets.push(row);
    if (after > capacity && after > before) flagged.push({ ...row, newly_over: before <= capacity });
  };
  m.edges.forEach((e, i) => check(edgeAsset, e.id, e.capacity, base.loads.edgeLoad[i]!, loads.edgeLoad[i]!));
  m.nodeId.forEach((id, i) => check(nodeAsset, id, m.nodeCapacity[i]!, base.loads.nodeLoad[i]!, loads.nodeLoad[i]!));
  const total = (d: Float64Array) => d.reduce((s, v) => s + v, 0);
  return {
    summary: {
      unit,
      baseline: { demand: round(total(base.demand), 3), over_capacity: overBase, unserved: round(base.loads.unserved, 3) },
      scenario: { demand: round(total(demand), 3), over_capacity: overScenario, unserved: round(loads.unserved, 3) },
      delta: { demand: round(added, 3), over_capacity: overScenario - overBase },
    },
    flagged: flagged.sort((a, b) => (b.ratio as number) - (a.ratio as number)),
    assets,
  };
}
