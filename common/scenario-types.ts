/**
 * JSON shapes of `/api/scenarios` and `/api/impact-factors` (issue #5), shared by the server
 * and the web client. Types only.
 */

import type { BuildingUse } from './city-classes';

export type { BuildingUse };
export type MixUse = Exclude<BuildingUse, 'mixed'>;

/** A draft is seen by its owner and shares; a published scenario by everyone (issue #9). */
export type ScenarioStatus = 'draft' | 'published';
/** What a share grants: read, or edit (edit, share, publish, delete). */
export type ScenarioAccess = 'read' | 'edit';

export interface Scenario {
  id: string;
  name: string;
  description: string;
  owner: string | null;
  status: ScenarioStatus;
  version: number;
  parent_id: string | null;
  /** When it was published; null for a draft (issue #9). */
  published_at: string | null;
  created_at: string;
  updated_at: string;
  edit_count?: number;
  /** What the caller may do (issue #9): read, or edit (edit, share, publish, delete). */
  access: ScenarioAccess;
}

/** One share of a scenario (`GET|PUT /api/scenarios/{id}/shares`). */
export interface ScenarioShare {
  user: string;
  role?: string;
  access: ScenarioAccess;
}

export type ScenarioEditInput =
  | {
      kind: 'add_building';
      geometry: { type: 'Polygon'; coordinates: number[][][] };
      floors?: number;
      height_m?: number;
      use?: BuildingUse;
      uses?: Partial<Record<MixUse, number>>;
      name?: string;
    }
  | {
      kind: 'change_building';
      buildingId: string | number;
      floors?: number;
      height_m?: number;
      use?: BuildingUse;
      uses?: Partial<Record<MixUse, number>>;
    }
  | { kind: 'demolish_building'; buildingId: string | number }
  | {
      kind: 'edit_road';
      roadLinkId: string | number;
      closed?: boolean;
      lanes?: number;
      speed_limit_kmh?: number;
      capacity_veh_h?: number;
    }
  | {
      kind: 'add_road';
      geometry: { type: 'LineString'; coordinates: number[][] };
      class?: string;
      name?: string;
      lanes?: number;
      speed_limit_kmh?: number;
      capacity_veh_h?: number;
      oneway?: boolean;
    };

export type ScenarioEditKind = ScenarioEditInput['kind'];

export type ScenarioEdit = ScenarioEditInput & {
  id: string;
  seq: number;
  created_at: string;
  updated_at: string;
};

export interface ScenarioWithEdits extends Scenario {
  edits: ScenarioEdit[];
}

export interface EditResponse {
  edit: ScenarioEdit;
  version: number;
}

export interface ImpactFactor {
  key: string;
  value: number;
  unit: string;
  description: string;
  source: string;
}

/** What a building (or a scenario, or its delta) yields. */
export interface YieldFigures {
  /** Gross floor area, m². */
  gfa_m2: number;
  /** Net internal area, m². */
  nia_m2: number;
  dwellings: number;
  residents: number;
  jobs: number;
}

/** One edit's yield: what the building yields after it, and the change it makes. */
export interface EditYield extends YieldFigures {
  edit_id: string;
  kind: string;
  building_id: string | null;
  floors: number;
  height_m: number;
  delta: YieldFigures;
}

export interface Triple {
  baseline: number;
  scenario: number;
  delta: number;
}

export interface LinkChange {
  link_id: string | null;
  edit_id: string | null;
  name: string | null;
  class: string | null;
  baseline_volume: number;
  volume: number;
  change: number;
  vc: number;
  time_s: number;
  baseline_time_s: number | null;
}

export interface TrafficKpis {
  vehicle_km: number;
  vehicle_hours: number;
  /** Mean delay over free flow per assigned trip, seconds. */
  mean_delay_s: number;
  /** Mean free-flow time per assigned trip on the roads used, seconds. */
  mean_free_flow_s: number;
  trips: number;
  unserved_trips: number;
  /** Share of road links loaded above capacity (v/c > 1) in either direction. */
  over_capacity_share: number;
}

/** What a model left out because it lies beyond its network (another city, say). */
export interface OutsideModel {
  buildings: number;
  /** veh/h (traffic), l/s (water) or kVA (power) of those buildings. */
  amount: number;
  unit: string;
}

/** `GET /api/impact/calibration`: modelled against observed peak-hour counts. */
export interface CalibrationReport {
  /** null while there are too few counts to calibrate (the sites then show the uncalibrated model). */
  calibrated_at: string | null;
  hours_of_data: number;
  geh_lt_5_share: number;
  sites: { sensor: string; observed_veh_h: number; modelled_veh_h: number; geh: number }[];
}

/** The calibration beside the traffic figures. */
export interface CalibrationSummary {
  status: 'calibrated' | 'insufficient_data' | 'no_counts';
  calibrated_at: string | null;
  hours_of_data: number;
  sites: number;
  geh_lt_5_share: number | null;
  /** GEH < 5 share of the uncalibrated (gravity) matrix, for comparison. */
  prior_geh_lt_5_share: number | null;
  method: string;
}

/** A water or power asset whose state the scenario changes (value against its design limit). */
export interface UtilityAsset {
  network: 'water' | 'power';
  asset: 'water_pipe' | 'water_node' | 'power_line' | 'power_node';
  id: string;
  metric: 'pressure_m' | 'velocity_m_s' | 'headloss_m_per_km' | 'loading' | 'voltage_pu';
  unit: string;
  limit: number;
  baseline: number;
  value: number;
  /** Beyond 1 the limit is broken: value ÷ limit for maxima, limit ÷ value for minima. */
  ratio: number;
  baseline_flagged: boolean;
  flagged: boolean;
}

export interface NetworkImpact {
  unit: string;
  baseline: { demand: number; flagged: number; unserved: number };
  scenario: { demand: number; flagged: number; unserved: number };
  delta: { demand: number; flagged: number };
  /** Assets the scenario newly flags (not flagged at baseline). */
  flagged: UtilityAsset[];
  /** Assets whose value changes. */
  assets: UtilityAsset[];
  assets_total: number;
  solver: { method: string; converged: boolean; detail: string };
  outside_model: OutsideModel;
  factors: ImpactFactor[];
}

export interface ShadowNeighbour {
  building_id: string;
  name: string | null;
  /** Sun hours lost per study day (label → hours), at the façade points the proposal newly shades. */
  hours_lost: Record<string, number>;
  total_hours_lost: number;
}

export interface ShadowPark {
  land_use_id: string;
  name: string | null;
  /** Share of the park's area with ≥ 2 h of sun on 21 March (BRE 209), before and after. */
  sunlit_2h_share_before: number;
  sunlit_2h_share_after: number;
  passes_bre: boolean;
}

export interface ScenarioImpact {
  scenario: { id: string; name: string; version: number };
  cache_key: string;
  computed_at: string;
  elapsed_ms: number;
  timings: Record<string, number>;
  status: 'done';
  yield: {
    baseline: YieldFigures;
    scenario: YieldFigures;
    delta: YieldFigures;
    edits: EditYield[];
    factors: ImpactFactor[];
  };
  traffic: {
    kpis: Record<'vehicle_km' | 'vehicle_hours' | 'mean_delay_s' | 'trips', Triple>;
    baseline: TrafficKpis;
    scenario: TrafficKpis;
    delta: TrafficKpis;
    most_affected: LinkChange[];
    links: LinkChange[];
    added_trips: number;
    assignment: {
      method: string;
      iterations: number;
      relative_gap: number;
      baseline_iterations: number;
      baseline_relative_gap: number;
      warm_start: boolean;
      zones: number;
    };
    calibration: CalibrationSummary;
    outside_model: OutsideModel;
    factors: ImpactFactor[];
  };
  water: NetworkImpact;
  power: NetworkImpact;
  shadow: {
    days: { label: string; date: string; steps: number; step_minutes: number }[];
    neighbours: ShadowNeighbour[];
    parks: ShadowPark[];
    sun: { algorithm: string };
    layer: { type: 'FeatureCollection'; features: unknown[] };
  };
  zoning: {
    checked: number;
    flagged: {
      edit_id: string;
      building_id: string | null;
      height_m: number;
      max_height_m: number;
      excess_m: number;
      zone_id: string;
      zone_class: string;
      zone_name: string | null;
    }[];
  };
}

/** `GET /api/scenarios/{id}/impact` while the impact is not ready (HTTP 202). */
export interface ImpactPending {
  status: 'queued' | 'running' | 'failed';
  scenario: { id: string; version: number };
  /** Jobs ahead in the queue (queued only). */
  position: number | null;
  /** What the worker is doing (running only): baseline, yield, traffic, water, power, shadow. */
  phase: string | null;
  queued_at: string;
  started_at: string | null;
  error: { code: string; message: string } | null;
}
