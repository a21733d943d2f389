import type { ColumnType, Generated } from 'kysely';
import type { CustomColumnType, ImportJobStatus, LayerAccess, Role } from '../common/api-types';
import type { FrameContentType } from '../common/camera-types';
import type {
  BuildingUse,
  LandUseClass,
  PowerNodeKind,
  RoadClass,
  WaterNodeKind,
} from '../common/city-classes';
import type { ScenarioAccess, ScenarioEditKind, ScenarioStatus } from '../common/scenario-types';
import type { AlertKind, SensorAssetType } from '../common/sensor-types';

// Below server/, tiles/ and data/: the tables and domain enums every layer of the twin shares.
// This folder imports nothing of ours except common/, where the domain enums are declared (and
// re-exported here for the modules that type their rows with them).
export type {
  BuildingUse,
  LandUseClass,
  PowerNodeKind,
  RoadClass,
  Role,
  ScenarioEditKind,
  SensorAssetType,
  WaterNodeKind,
};

/**
 * The city model as Kysely sees it. Geometry columns are EPSG:3857 and are only ever read or
 * written through PostGIS functions in `sql` templates, so they are typed as opaque strings
 * (EWKB hex as PostgreSQL returns them).
 */
type Geometry = ColumnType<string, never, never>;
type Json = ColumnType<Record<string, unknown>, string | undefined, string>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** bigint ids arrive as strings from both drivers; we pass numbers or strings in. */
type Id = ColumnType<string, number | string | undefined, number | string>;
type RefId = ColumnType<string, number | string, number | string>;

export interface TwinMetaTable {
  singleton: Generated<boolean>;
  instance_id: Generated<string>;
  created_at: Generated<Date>;
}

export interface DatasetsTable {
  id: Generated<string>;
  name: string;
  source: string;
  licence: string;
  synthetic: Generated<boolean>;
  imported_at: Generated<Date>;
  feature_count: Generated<number>;
  attributes: Json;
  /** Import provenance (issue #6); null for datasets not loaded by an import. */
  layer: ColumnType<string | null, string | null | undefined, string | null>;
  mode: ColumnType<string | null, string | null | undefined, string | null>;
  format: ColumnType<string | null, string | null | undefined, string | null>;
  crs: ColumnType<string | null, string | null | undefined, string | null>;
  accepted: Generated<number>;
  repaired: Generated<number>;
  rejected: Generated<number>;
  /** WGS84 [min_lon, min_lat, max_lon, max_lat]. */
  extent: ColumnType<number[] | null, number[] | null | undefined, number[] | null>;
  job_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** Optional text column added by the imports migration (the upsert key). */
type SourceId = ColumnType<string | null, string | null | undefined, string | null>;

export interface ImportJobsTable {
  id: Generated<string>;
  status: ColumnType<ImportJobStatus, string | undefined, string>;
  name: string;
  layer: string;
  mode: string;
  source: string;
  licence: string;
  file_name: string;
  file_bytes: ColumnType<string, number | undefined, number>;
  format: ColumnType<string | null, string | null | undefined, string | null>;
  crs: ColumnType<string | null, string | null | undefined, string | null>;
  phase: Generated<string>;
  progress: Json;
  dataset_id: ColumnType<string | null, string | number | null | undefined, string | number | null>;
  counts: ColumnType<Record<string, number> | null, string | null | undefined, string | null>;
  extent: ColumnType<number[] | null, number[] | null | undefined, number[] | null>;
  error: ColumnType<string | null, string | null | undefined, string | null>;
  report: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>;
  created_at: Generated<Date>;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** The process running the job and until when its lease holds (issue #10). */
  owner: ColumnType<string | null, string | null | undefined, string | null>;
  lease_expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface CustomLayersTable {
  name: string;
  table_name: string;
  geometry: 'point' | 'line' | 'polygon' | 'mixed';
  columns: ColumnType<{ name: string; type: CustomColumnType }[], string, string>;
  description: Generated<string>;
  created_at: Generated<Date>;
}

export interface BuildingsTable {
  id: Id;
  geom: Geometry;
  height_m: number;
  levels: number | null;
  use: BuildingUse;
  name: string | null;
  year_built: number | null;
  dataset_id: RefId;
  attributes: Json;
  source_id: SourceId;
  min_height_m: ColumnType<number | null, number | null | undefined, number | null>;
  /** 3D city models (issue #15): the LoD read, and LoD2+ surfaces (z above the building's ground). */
  lod: ColumnType<string | null, string | null | undefined, string | null>;
  surfaces: ColumnType<string | null, never, never>;
  surface_types: ColumnType<(string | null)[] | null, never, never>;
}

export interface RoadNodesTable {
  id: Id;
  geom: Geometry;
  dataset_id: RefId;
  attributes: Json;
  source_id: SourceId;
}

export interface RoadLinksTable {
  id: Id;
  from_node: RefId;
  to_node: RefId;
  geom: Geometry;
  class: RoadClass;
  name: string | null;
  lanes: number;
  speed_limit_kmh: number;
  capacity_veh_h: number;
  oneway: boolean;
  length_m: number;
  dataset_id: RefId;
  attributes: Json;
  source_id: SourceId;
}

export interface WaterNodesTable {
  id: Id;
  geom: Geometry;
  kind: WaterNodeKind;
  name: string | null;
  elevation_m: number | null;
  capacity_m3: number | null;
  dataset_id: RefId;
  attributes: Json;
  source_id: SourceId;
}

export interface WaterPipesTable {
  id: Id;
  from_node: RefId;
  to_node: RefId;
  geom: Geometry;
  diameter_mm: number;
  material: string | null;
  capacity_l_s: number;
  length_m: number;
  dataset_id: RefId;
  attributes: Json;
  source_id: SourceId;
}

export interface PowerNodesTable {
  id: Id;
  geom: Geometry;
  kind: PowerNodeKind;
  name: string | null;
  voltage_kv: number | null;
  capacity_kva: number | null;
  dataset_id: RefId;
  attributes: Json;
  source_id: SourceId;
}

export interface PowerLinesTable {
  id: Id;
  from_node: RefId;
  to_node: RefId;
  geom: Geometry;
  voltage_kv: number;
  capacity_kva: number;
  length_m: number;
  name: string | null;
  dataset_id: RefId;
  attributes: Json;
  source_id: SourceId;
}

export interface LandUseTable {
  id: Id;
  geom: Geometry;
  class: LandUseClass;
  name: string | null;
  max_height_m: number | null;
  dataset_id: RefId;
  attributes: Json;
  source_id: SourceId;
}

export interface LayerVersionsTable {
  layer: string;
  version: ColumnType<string, number | undefined, number>;
  updated_at: Timestamp;
}

export interface SchemaMigrationsTable {
  name: string;
  applied_at: Generated<Date>;
}

/** Live sensors (issue #4; migrations/20261129000200_sensors.sql). */
export interface SensorsTable {
  id: Id;
  external_id: string;
  kind: string;
  unit: ColumnType<string, string | undefined, string>;
  name: string | null;
  geom: Geometry;
  asset_type: SensorAssetType | null;
  asset_id: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  reference_value: number | null;
  interval_s: ColumnType<number, number | undefined, number>;
  dataset_id: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  attributes: Json;
  created_at: Generated<Date>;
  /** The camera whose analysis produces this sensor's readings (migration 20261201010000). */
  source_id: ColumnType<string | null, number | string | null | undefined, number | string | null>;
}

/** Traffic cameras and their frames (issue #17; migrations/20261201010000_cameras.sql). */
export interface CamerasTable {
  sensor_id: RefId;
  heading_deg: number;
  fov_deg: number;
  range_m: ColumnType<number, number | undefined, number>;
  link_ids: ColumnType<string[], string[] | undefined, string[]>;
  frames_public: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface CameraFramesTable {
  camera_id: RefId;
  ts: Timestamp;
  content_type: FrameContentType;
  bytes: number;
  etag: string;
  image: Uint8Array;
  received_at: Generated<Date>;
}

export interface ReadingsTable {
  sensor_id: RefId;
  ts: Timestamp;
  value: number;
  received_at: Generated<Date>;
}

export interface SensorStateTable {
  sensor_id: RefId;
  ts: Timestamp;
  value: number;
  received_at: Generated<Date>;
}

export interface IngestKeysTable {
  id: Generated<string>;
  name: string;
  key_hash: string;
  created_at: Generated<Date>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface SensorAlertsTable {
  id: Generated<string>;
  sensor_id: RefId;
  kind: AlertKind;
  opened_at: Generated<Date>;
  closed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_seen_at: Generated<Date>;
  value: number | null;
  detail: Json;
}

export interface ScenariosTable {
  id: Generated<string>;
  name: string;
  description: Generated<string>;
  owner: string | null;
  status: ColumnType<ScenarioStatus, ScenarioStatus | undefined, ScenarioStatus>;
  version: ColumnType<number, number | undefined, number>;
  parent_id: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  /** The owning account (issue #9); null for scenarios older than accounts. */
  owner_id: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  published_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ScenarioEditsTable {
  id: Id;
  scenario_id: string;
  seq: number;
  kind: ScenarioEditKind;
  payload: Json;
  geom: ColumnType<string | null, never, never>;
  target_id: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  height_m: number | null;
  levels: number | null;
  use: BuildingUse | null;
  closed: boolean | null;
  lanes: number | null;
  speed_limit_kmh: number | null;
  capacity_veh_h: number | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
}

export interface ScenarioImpactsTable {
  scenario_id: string;
  cache_key: string;
  result: Json;
  computed_at: Generated<Date>;
}

export interface ImpactFactorsTable {
  key: string;
  value: number;
  unit: string;
  description: string;
  source: string;
  version: ColumnType<number, number | undefined, number>;
  updated_at: Timestamp;
}

/** Accounts, sessions, tokens, sharing, layer settings and the audit log (issue #9). */
export interface UsersTable {
  id: Generated<string>;
  name: string;
  role: Role;
  password_hash: string | null;
  oidc_subject: string | null;
  created_at: Generated<Date>;
  updated_at: Timestamp;
  last_sign_in_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface SessionsTable {
  id_hash: string;
  user_id: RefId;
  via: 'password' | 'oidc';
  created_at: Generated<Date>;
  expires_at: Timestamp;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ApiTokensTable {
  id: Generated<string>;
  user_id: RefId;
  name: string;
  token_hash: string;
  created_at: Generated<Date>;
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface ScenarioSharesTable {
  scenario_id: string;
  user_id: RefId;
  access: ScenarioAccess;
  created_at: Generated<Date>;
}

export interface LayerSettingsTable {
  layer: string;
  access: LayerAccess;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Generated<Date>;
  actor: string | null;
  role: string;
  action: string;
  target_type: string | null;
  target_id: string | null;
  details: Json;
}

/** City-wide 5-minute roll-ups of the sensors (migration 20261201005100). */
export interface CityMetricsTable {
  metric: 'traffic_speed_ratio' | 'water_demand_ratio' | 'power_load_ratio';
  bucket: Timestamp;
  value: number;
  samples: number;
  computed_at: Generated<Date>;
}

export interface Database {
  twin_meta: TwinMetaTable;
  datasets: DatasetsTable;
  buildings: BuildingsTable;
  road_nodes: RoadNodesTable;
  road_links: RoadLinksTable;
  water_nodes: WaterNodesTable;
  water_pipes: WaterPipesTable;
  power_nodes: PowerNodesTable;
  power_lines: PowerLinesTable;
  land_use: LandUseTable;
  layer_versions: LayerVersionsTable;
  import_jobs: ImportJobsTable;
  custom_layers: CustomLayersTable;
  schema_migrations: SchemaMigrationsTable;
  sensors: SensorsTable;
  readings: ReadingsTable;
  sensor_state: SensorStateTable;
  ingest_keys: IngestKeysTable;
  sensor_alerts: SensorAlertsTable;
  scenarios: ScenariosTable;
  scenario_edits: ScenarioEditsTable;
  scenario_impacts: ScenarioImpactsTable;
  impact_factors: ImpactFactorsTable;
  users: UsersTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  scenario_shares: ScenarioSharesTable;
  layer_settings: LayerSettingsTable;
  audit_log: AuditLogTable;
  city_metrics: CityMetricsTable;
  cameras: CamerasTable;
  camera_frames: CameraFramesTable;
}
