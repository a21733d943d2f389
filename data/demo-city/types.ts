import type {
  BuildingUse,
  LandUseClass,
  PowerNodeKind,
  RoadClass,
  WaterNodeKind,
} from '../../common/city-classes';

/** An EPSG:3857 coordinate, metres, rounded to 0.01 m. */
export type Position = [number, number];
/** A MultiPolygon: polygons of closed rings, exterior counter-clockwise, holes clockwise. */
export type MultiPolygonCoordinates = Position[][][];
type Attributes = Record<string, unknown>;

/**
 * Rows of the demo city, one interface per table, with the table's column names. Ids are
 * explicit and start at 1 in every layer; `from_node`/`to_node` refer to those ids. Geometry is
 * EPSG:3857 coordinates; lengths are ground metres.
 */
export interface DemoLandUse {
  id: number;
  geom: MultiPolygonCoordinates;
  class: LandUseClass;
  name: string | null;
  max_height_m: number | null;
  attributes: Attributes;
}

export interface DemoRoadNode {
  id: number;
  geom: Position;
  attributes: Attributes;
}

export interface DemoRoadLink {
  id: number;
  from_node: number;
  to_node: number;
  /** Starts exactly at `from_node` and ends exactly at `to_node`. */
  geom: Position[];
  class: RoadClass;
  name: string | null;
  /** Lanes per direction of travel. */
  lanes: number;
  speed_limit_kmh: number;
  /** Vehicles per hour per direction. */
  capacity_veh_h: number;
  oneway: boolean;
  length_m: number;
  attributes: Attributes;
}

export interface DemoBuilding {
  id: number;
  geom: MultiPolygonCoordinates;
  height_m: number;
  levels: number | null;
  use: BuildingUse;
  name: string | null;
  year_built: number | null;
  attributes: Attributes;
}

export interface DemoWaterNode {
  id: number;
  geom: Position;
  kind: WaterNodeKind;
  name: string | null;
  elevation_m: number | null;
  capacity_m3: number | null;
  attributes: Attributes;
}

export interface DemoWaterPipe {
  id: number;
  from_node: number;
  to_node: number;
  geom: Position[];
  diameter_mm: number;
  material: string | null;
  capacity_l_s: number;
  length_m: number;
  attributes: Attributes;
}

export interface DemoPowerNode {
  id: number;
  geom: Position;
  kind: PowerNodeKind;
  name: string | null;
  voltage_kv: number | null;
  capacity_kva: number | null;
  attributes: Attributes;
}

export interface DemoPowerLine {
  id: number;
  from_node: number;
  to_node: number;
  geom: Position[];
  voltage_kv: number;
  capacity_kva: number;
  length_m: number;
  name: string | null;
  attributes: Attributes;
}

export interface DemoCity {
  seed: number;
  /** [longitude, latitude] of the centre, degrees. */
  center: [number, number];
  land_use: DemoLandUse[];
  road_nodes: DemoRoadNode[];
  road_links: DemoRoadLink[];
  buildings: DemoBuilding[];
  water_nodes: DemoWaterNode[];
  water_pipes: DemoWaterPipe[];
  power_nodes: DemoPowerNode[];
  power_lines: DemoPowerLine[];
}

/** The layers of {@link DemoCity}, in insertion order (referenced tables first). */
export const DEMO_LAYERS = [
  'land_use',
  'road_nodes',
  'road_links',
  'buildings',
  'water_nodes',
  'water_pipes',
  'power_nodes',
  'power_lines',
] as const;
export type DemoLayer = (typeof DEMO_LAYERS)[number];
