import type { ColumnType, Generated } from 'kysely';

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

export type BuildingUse =
  | 'residential'
  | 'office'
  | 'retail'
  | 'industrial'
  | 'civic'
  | 'mixed'
  | 'other';
export type RoadClass = 'motorway' | 'trunk' | 'arterial' | 'collector' | 'local' | 'service';
export type WaterNodeKind = 'junction' | 'tank' | 'reservoir' | 'pump';
export type PowerNodeKind = 'substation' | 'transformer' | 'pole';
export type LandUseClass =
  | 'park'
  | 'water'
  | 'residential'
  | 'commercial'
  | 'industrial'
  | 'mixed'
  | 'civic'
  | 'forest'
  | 'farmland'
  | 'cemetery'
  | 'other';

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
}

export interface RoadNodesTable {
  id: Id;
  geom: Geometry;
  dataset_id: RefId;
  attributes: Json;
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
}

export interface LandUseTable {
  id: Id;
  geom: Geometry;
  class: LandUseClass;
  name: string | null;
  max_height_m: number | null;
  dataset_id: RefId;
  attributes: Json;
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
  schema_migrations: SchemaMigrationsTable;
}
