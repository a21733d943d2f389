import { modelInfo } from '../../../common/impact-models';
import type { LinkChange, TrafficKpis } from '../../../common/scenario-types';
import type { Baseline } from '../baseline';
import type { EditRow } from '../scenario-state';
import {
  MAX_CONNECT_M,
  trafficScenario,
  type DemandChange,
  type NetworkLink,
  type RoadChange,
} from '../traffic-model';
import { peakTrips } from '../yield';
import { defineModel, round } from './model';

/** Rows of the "most affected links" list. */
const TOP_LINKS = 10;
/** Links whose volume changes less than this (veh/h) are left out of `traffic.links`. */
const LINK_CHANGE_MIN = 1;
/** At most this many changed links are listed (largest changes first). */
const MAX_LINKS = 2000;

const kpiJson = (k: TrafficKpis): TrafficKpis => ({
  vehicle_km: round(k.vehicle_km, 2),
  vehicle_hours: round(k.vehicle_hours, 2),
  mean_delay_s: round(k.mean_delay_s, 2),
  mean_free_flow_s: round(k.mean_free_flow_s, 2),
  trips: round(k.trips, 2),
  unserved_trips: round(k.unserved_trips, 2),
  over_capacity_share: round(k.over_capacity_share, 4),
});

const triple = (baseline: number, scenario: number) => ({
  baseline: round(baseline),
  scenario: round(scenario),
  delta: round(scenario - baseline),
});

/** An added road joined to the graph at the road nodes nearest its two ends (within reach). */
function addedRoadLink(base: Baseline, e: EditRow, index: number): NetworkLink[] {
  const idx = base.traffic.nodeIndex;
  const from = idx.nearest(e.x!, e.y!, MAX_CONNECT_M);
  const to = idx.nearest(e.x2!, e.y2!, MAX_CONNECT_M);
  if (from < 0 || to < 0 || from === to) return [];
  const p = e.payload as { oneway?: boolean };
  return [
    {
      id: `edit:${e.id}:${index}`,
      from,
      to,
      oneway: p.oneway ?? false,
      lengthM: e.length_m ?? 0,
      speedKmh: e.speed_limit_kmh ?? 50,
      capacityVehH: e.capacity_veh_h ?? 900 * (e.lanes ?? 1),
      lanes: e.lanes ?? 1,
    },
  ];
}

/**
 * Peak-hour traffic of the scenario against the calibrated baseline: trips of the changed
 * buildings, the edited road network, equilibrium warm-started from the baseline's paths.
 */
export const trafficModel = defineModel('traffic', ({ base, changes }) => {
  const { factors, city } = base;
  const tripChanges: DemandChange[] = changes.demand.map((d) => ({
    x: d.x,
    y: d.y,
    trips: (d.to ? peakTrips(d.to, factors) : 0) - (d.from ? peakTrips(d.from, factors) : 0),
  }));
  const roadChanges: RoadChange[] = [];
  for (const r of changes.state.roads.values()) {
    const link = city.roads.linkIndex.get(r.linkId);
    if (link !== undefined)
      roadChanges.push({
        link,
        closed: r.closed,
        lanes: r.lanes,
        speedKmh: r.speedKmh,
        capacityVehH: r.capacityVehH,
      });
  }
  const addedEdits: EditRow[] = [];
  const addedLinks = changes.state.addedRoads.flatMap((e, i) => {
    const l = addedRoadLink(base, e, i);
    if (l.length > 0) addedEdits.push(e);
    return l;
  });
  const ref = base.traffic;
  const scenario = trafficScenario(ref, tripChanges, roadChanges, addedLinks);
  const links = city.roads.links;
  const firstAdded = ref.allLinks.length;
  const changed: LinkChange[] = [];
  const consider = (
    l: number,
    before: number,
    link: (typeof links)[number] | null,
    editId: string | null,
  ) => {
    const after = scenario.links.volume[l]!;
    if (Math.abs(after - before) < LINK_CHANGE_MIN) return;
    changed.push({
      link_id: link ? link.id : null,
      edit_id: editId,
      name: link?.name ?? null,
      class: link?.class ?? null,
      baseline_volume: round(before, 1),
      volume: round(after, 1),
      change: round(after - before, 1),
      vc: round(scenario.links.vc[l]!, 3),
      time_s: round(scenario.links.timeS[l]!, 1),
      baseline_time_s: link ? round(ref.links.timeS[l]!, 1) : null,
    });
  };
  for (let l = 0; l < links.length; l++) consider(l, ref.links.volume[l]!, links[l]!, null);
  addedEdits.forEach((e, k) => consider(firstAdded + k, 0, null, e.id));
  changed.sort((a, b) => Math.abs(b.change) - Math.abs(a.change));
  const r = scenario.result;
  return {
    kpis: {
      vehicle_km: triple(ref.kpis.vehicle_km, scenario.kpis.vehicle_km),
      vehicle_hours: triple(ref.kpis.vehicle_hours, scenario.kpis.vehicle_hours),
      mean_delay_s: triple(ref.kpis.mean_delay_s, scenario.kpis.mean_delay_s),
      trips: triple(ref.kpis.trips, scenario.kpis.trips),
    },
    baseline: kpiJson(ref.kpis),
    scenario: kpiJson(scenario.kpis),
    delta: Object.fromEntries(
      Object.entries(kpiJson(scenario.kpis)).map(([k, v]) => [
        k,
        round(v - (kpiJson(ref.kpis) as unknown as Record<string, number>)[k]!, 4),
      ]),
    ) as unknown as TrafficKpis,
    most_affected: changed.slice(0, TOP_LINKS),
    links: changed.slice(0, MAX_LINKS),
    added_trips: round(
      tripChanges.reduce((s, t) => s + t.trips, 0),
      1,
    ),
    assignment: {
      method:
        'path-based user equilibrium (gradient projection), BPR t = t0·(1 + α·(v/c)^β), zone connectors',
      iterations: r.iterations,
      relative_gap: r.relativeGap,
      baseline_iterations: ref.result.iterations,
      baseline_relative_gap: ref.result.relativeGap,
      warm_start: scenario.warmStart,
      zones: ref.zones.count,
    },
    calibration: base.calibration,
    outside_model: {
      buildings: ref.outside.buildings + scenario.outside.buildings,
      amount: round(ref.outside.trips + scenario.outside.trips, 1),
      unit: 'veh/h',
    },
    factors: factors.cite(modelInfo('traffic').factors),
  };
});
