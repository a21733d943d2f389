/**
 * JSON shapes of `/api/scenarios` and `/api/impact-factors` (issue #5), shared by the server
 * and the web client. Types only.
 */

export type BuildingUse = 'residential' | 'office' | 'retail' | 'industrial' | 'civic' | 'mixed' | 'other';
export type MixUse = Exclude<BuildingUse, 'mixed'>;

export interface Scenario {
  id: string;
  name: string;
  description: string;
  owner: string | null;
  status: 'draft' | 'published';
  version: number;
  parent_id: string | null;
  /** When it was published; null for a draft (issue #9). */
  published_at: string | null;
  created_at: string;
  updated_at: string;
  edit_count?: number;
  /** What the caller may do (issue #9): read, or edit (edit, share, publish, delete). */
  access: 'read' | 'edit';
}

/** One share of a scenario (`GET|PUT /api/scenarios/{id}/shares`). */
export interface ScenarioShare {
  user: string;
  role?: string;
  access: 'read' | 'edit';
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
  | { kind: 'change_building'; buildingId: string | number; floors?: number; height_m?: number; use?: BuildingUse; uses?: Partial<Record<MixUse, number>> }
  | { kind: 'demolish_building'; buildingId: string | number }
  | { kind: 'edit_road'; roadLinkId: string | number; closed?: boolean; lanes?: number; speed_limit_kmh?: number; capacity_veh_h?: number }
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

export type ScenarioEdit = ScenarioEditInput & { id: string; seq: number; created_at: string; updated_at: string };

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

export interface YieldFigures {
  gfa_m2: number;
  nia_m2: number;
  dwellings: number;
  residents: number;
  jobs: number;
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

export interface UtilityAsset {
  network: 'water' | 'power';
  asset: 'water_pipe' | 'water_node' | 'power_line' | 'power_node';
  id: string;
  unit: string;
  capacity: number;
  baseline_load: number;
  load: number;
  ratio: number;
  headroom: number;
  baseline_headroom: number;
  newly_over?: boolean;
}

export interface UtilitySummary {
  unit: string;
  baseline: { demand: number; over_capacity: number; unserved: number };
  scenario: { demand: number; over_capacity: number; unserved: number };
  delta: { demand: number; over_capacity: number };
}

export interface ShadowTarget {
  name: string | null;
  hours: Record<string, number>;
  total_hours: number;
}

export interface ScenarioImpact {
  scenario: { id: string; name: string; version: number };
  cache_key: string;
  computed_at: string;
  elapsed_ms: number;
  timings: Record<string, number>;
  yield: {
    baseline: YieldFigures;
    scenario: YieldFigures;
    delta: YieldFigures;
    edits: (YieldFigures & { edit_id: string; kind: string; building_id: string | null; floors: number; height_m: number; delta: YieldFigures })[];
    factors: ImpactFactor[];
  };
  traffic: {
    kpis: Record<'vehicle_km' | 'vehicle_hours' | 'mean_delay_s' | 'trips', Triple>;
    most_affected: LinkChange[];
    links: LinkChange[];
    added_trips: number;
    assignment: { method: string; iterations: number; relative_gap: number; warm_start: boolean; zones: number };
    calibration: { sensors: number; scale: number } | null;
    factors: ImpactFactor[];
  };
  utilities: {
    water: UtilitySummary;
    power: UtilitySummary;
    flagged: UtilityAsset[];
    assets: UtilityAsset[];
    model: string;
    factors: ImpactFactor[];
  };
  shadow: {
    days: { label: string; date: string; sun_hours: number }[];
    neighbours: (ShadowTarget & { building_id: string })[];
    parks: (ShadowTarget & { land_use_id: string })[];
    layer: { type: 'FeatureCollection'; features: unknown[] };
  };
  zoning: {
    checked: number;
    flagged: { edit_id: string; building_id: string | null; height_m: number; max_height_m: number; excess_m: number; zone_id: string; zone_class: string; zone_name: string | null }[];
  };
}
