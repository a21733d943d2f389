/**
 * JSON shapes of `/api/scenarios` and `/api/impact-factors` (issue #5), shared by the server
 * and the web client. Types only.
 */

import type { BuildingUse } from './city-classes';
import type { ImpactSections } from './impact-models';

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

/** The pieces of the models' results, declared beside the models in common/impact-models.ts. */
export type {
  ImpactFactor,
  YieldFigures,
  EditYield,
  Triple,
  LinkChange,
  TrafficKpis,
  OutsideModel,
  CalibrationSummary,
  UtilityAsset,
  NetworkImpact,
  ShadowNeighbour,
  ShadowPark,
} from './impact-models';

/** `GET /api/impact/calibration`: modelled against observed peak-hour counts. */
export interface CalibrationReport {
  /** null while there are too few counts to calibrate (the sites then show the uncalibrated model). */
  calibrated_at: string | null;
  hours_of_data: number;
  geh_lt_5_share: number;
  sites: { sensor: string; observed_veh_h: number; modelled_veh_h: number; geh: number }[];
}

/**
 * An impact result: the section of each model under its key (`ImpactSections`, declared in
 * common/impact-models.ts), and what was computed when.
 */
export interface ScenarioImpact extends ImpactSections {
  scenario: { id: string; name: string; version: number };
  cache_key: string;
  computed_at: string;
  elapsed_ms: number;
  timings: Record<string, number>;
  status: 'done';
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
