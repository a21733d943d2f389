/**
 * JSON shapes of the HTTP API, shared by the server and the web client. Types only: nothing
 * here may carry runtime code, so `web/` can import it without pulling in the server.
 */

/** The closed set of error codes clients may see. */
export type ErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'forbidden'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'not_found'
  | 'unavailable'
  | 'timeout'
  | 'internal';

/** Every error the API answers: `{ error: { code, message } }` with a 4xx/5xx status. */
export interface ApiErrorBody {
  error: { code: ErrorCode; message: string };
}

export type AttributeType = 'int' | 'float' | 'string' | 'boolean';

/** Who may see a layer: public, everyone; staff, planners and up (issue #9). */
export type LayerAccess = 'public' | 'staff';

/** A custom layer's column type, detected from the data: dates travel in tiles as ISO strings. */
export type CustomColumnType = AttributeType | 'date' | 'datetime';

/** One layer of `GET /tiles/catalog.json`. */
export interface CatalogLayer {
  name: string;
  description: string;
  access: LayerAccess;
  geometry: 'point' | 'line' | 'polygon';
  minzoom: number;
  maxzoom: number;
  attributes: Record<string, { type: AttributeType; description: string; unit?: string }>;
}

export interface CatalogResponse {
  layers: CatalogLayer[];
}

/** The subset of TileJSON 3.0.0 (`GET /tiles/{layers}.json`) the client reads. */
export interface TileJson {
  tilejson: string;
  tiles: string[];
  minzoom: number;
  maxzoom: number;
  /** WGS84 [west, south, east, north] of the layers' data. */
  bounds: [number, number, number, number];
  center: [number, number, number];
}

/** Where a feature came from: one row of `datasets`. */
export interface DatasetInfo {
  id: number;
  name: string;
  source: string;
  licence: string;
  /** ISO 8601 timestamp. */
  imported_at: string;
}

/** A GeoJSON geometry in WGS84 (RFC 7946), as `ST_AsGeoJSON` writes it. */
export interface GeoJsonGeometry {
  type: string;
  coordinates: unknown;
}

/** `GET /api/features/{layer}/{id}`: one feature with every column and its provenance. */
export interface FeatureResponse {
  layer: string;
  id: number;
  /** Every column except `geom` and `dataset_id`; the `attributes` jsonb column nested as is. */
  properties: Record<string, unknown>;
  geometry: GeoJsonGeometry;
  dataset: DatasetInfo;
}

/** One label point per street name in view, on the street's longest link there. */
export interface StreetLabel {
  name: string;
  class: string;
  /** [lon, lat] of the link's midpoint. */
  position: [number, number];
  /** Direction of the link at its midpoint, degrees clockwise from north. */
  azimuth: number;
}

/** A named land-use area (district, park, river) at a point inside it. */
export interface PlaceLabel {
  name: string;
  class: string;
  position: [number, number];
  /** Area in square metres (true area, not mercator), for label priority. */
  area_m2: number;
}

/** `GET /api/labels?bbox=w,s,e,n&zoom=z`. */
export interface LabelsResponse {
  streets: StreetLabel[];
  places: PlaceLabel[];
}

/** `GET /api/home`: where the map opens and what "reset view" frames (issue #10). */
export interface MapHome {
  /** `config`: TWIN_HOME; `densest`: the densest cluster of buildings and roads; `none`: no data. */
  source: 'config' | 'densest' | 'none';
  /** WGS84 [lon, lat]. */
  center: [number, number];
  /** The configured zoom; null when the view is fitted to `bounds`. */
  zoom: number | null;
  /** WGS84 [west, south, east, north]; null without data. */
  bounds: [number, number, number, number] | null;
  /**
   * The city's IANA time zone, for clocks shown in the city's local time (the sun study):
   * `TWIN_TIME_ZONE`, else looked up offline from `center`; null without data.
   */
  time_zone: string | null;
}

/** One swatch of a categorical legend. */
export interface LegendEntry {
  value: string;
  label: string;
  /** CSS colour. */
  color: string;
}

/** The `metadata` of `GET /styles/city.json`: the basemap's own legend, by style group. */
export interface CityStyleMetadata {
  'city-twin:legend': { land_use: LegendEntry[]; roads: LegendEntry[] };
}

export type ImportJobStatus = 'queued' | 'running' | 'succeeded' | 'failed';
/** replace: the layer's rows become the file's; append: added; upsert: matched by `source_id`. */
export type ImportMode = 'replace' | 'append' | 'upsert';

/** How far an import job has come (the events stream sends one per step). */
export interface ImportProgress {
  phase: 'queued' | 'parsing' | 'loading' | 'validating' | 'writing' | 'done' | 'failed';
  bytes: number;
  totalBytes: number;
  features: number;
}

/** Data imports (issue #6): `GET /api/datasets/{job}` and the events stream. */
export interface ImportJob {
  id: string;
  status: ImportJobStatus;
  name: string;
  layer: string;
  mode: ImportMode;
  file_name: string;
  format: string | null;
  crs: string | null;
  progress: ImportProgress;
  dataset_id: string | null;
  counts: { accepted: number; repaired: number; rejected: number } | null;
  /** WGS84 [min_lon, min_lat, max_lon, max_lat]. */
  extent: [number, number, number, number] | null;
  error: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface ImportJobResponse {
  job: ImportJob;
  links: { self: string; events: string; report: string };
}

/** `POST /api/datasets/preview`: the first features of a file, in WGS84. */
export interface ImportPreview {
  file_name: string;
  bytes: number;
  format: string;
  crs: string;
  fields: { name: string; samples: (string | number | boolean)[] }[];
  features: {
    type: 'Feature';
    geometry: GeoJsonGeometry | null;
    properties: Record<string, unknown>;
  }[];
}

/** `GET /api/datasets/{job}/report`. */
export interface ImportReport {
  counts?: { accepted: number; repaired: number; rejected: number };
  features?: {
    idx: number;
    source_id: string | null;
    status: 'repaired' | 'rejected';
    reason: string;
  }[];
  features_truncated?: boolean;
  /** Categorical source values the twin's table did not know, and what they became (issue #12). */
  unmapped_values?: { field: string; value: string; count: number; mapped_to: string }[];
  error?: string;
}

/** Roles, least rights first (issue #9). */
export type Role = 'public' | 'planner' | 'gis' | 'admin';

/** `GET /api/session`, and `POST /api/session` on success. */
export interface SessionResponse {
  user: { name: string; role: Role } | null;
  /** Send as `X-CSRF-Token` on POST/PUT/PATCH/DELETE; null without a session. */
  csrf: string | null;
  /** Single sign-on is configured: `GET /auth/oidc/login` starts it. */
  oidc?: boolean;
}

/** One LoD2+ building of `GET /api/buildings/surfaces` (issue #15). */
export interface BuildingSurfaces {
  id: number;
  height_m: number;
  use: string;
  name: string | null;
  lod: string | null;
  /** Semantic type per polygon (`RoofSurface`, `WallSurface`, `GroundSurface`, …; null: none given). */
  types: (string | null)[];
  /** One polygon per surface: rings of [lon, lat, z], z in metres above the building's ground. */
  polygons: [number, number, number][][][];
}

export interface BuildingSurfacesResponse {
  buildings: BuildingSurfaces[];
  /** True when more buildings with surfaces lie in the bbox than one answer carries (nearest the centre first). */
  truncated: boolean;
}

/** A headline figure of the public dashboard (issue #9 item 5), with its unit, time and source. */
export interface DashboardKpi {
  key: string;
  label: string;
  /** null: no data (nothing reporting). */
  value: number | null;
  unit: string;
  /** ISO 8601: when the figure's newest input was measured; null without data. */
  as_of: string | null;
  /** Where the figure comes from, in words. */
  source: string;
  /** The figure against a reference, e.g. the same hour's typical value. */
  trend?: {
    /** `value` − `reference_value`, in `unit`. */
    delta: number;
    unit: string;
    reference: string;
    reference_value: number;
  };
}

export interface DashboardSeries {
  key: string;
  label: string;
  unit: string;
  /** Oldest first; `t` ISO 8601 (the start of a 5-minute bucket). */
  points: { t: string; value: number }[];
}

/** A published scenario's card: its headline deltas (homes, jobs, vehicle-hours, assets over capacity). */
export interface DashboardScenario {
  id: string;
  name: string;
  published_at: string;
  /** The headline deltas; empty while the impact is being computed. */
  kpis: DashboardKpi[];
  /** `computing`: the scenario's impact is queued or running (kpis come once it is stored). */
  impact?: 'ready' | 'computing';
}

/** `GET /api/dashboard`. */
export interface DashboardResponse {
  as_of: string;
  kpis: DashboardKpi[];
  series: DashboardSeries[];
  scenarios: DashboardScenario[];
}

/** What a search result is (issue #12 item 3). */
export type SearchKind = 'street' | 'place' | 'building' | 'address' | 'sensor';

/** One hit of `GET /api/search`. */
export interface SearchResult {
  kind: SearchKind;
  /** Stable within its kind: the street name, or the row id of a place, building or sensor. */
  id: string;
  label: string;
  /** A second line: class, district, use, sensor kind. */
  detail: string;
  /** 0–1: trigram similarity of the query to the label (1: equal). */
  score: number;
  /** WGS84 [lon, lat] to fly to. */
  center: [number, number];
  /** WGS84 [west, south, east, north] to frame; null for a point. */
  bbox: [number, number, number, number] | null;
  /** The tile layer and feature id to select, when the hit is one feature. */
  feature: { layer: string; id: number } | null;
}

/** `GET /api/search?q&limit`. */
export interface SearchResponse {
  q: string;
  results: SearchResult[];
}

/** `GET /api/shadows?at&bbox` (issue #12 item 4): building shadows on the ground at a moment. */
export interface ShadowsResponse {
  at: string;
  /** Where the sun stands at the view's centre: degrees above the horizon, clockwise from north. */
  sun: { altitude_deg: number; azimuth_deg: number };
  /** More buildings were in view than one answer carries (the tallest are kept). */
  truncated: boolean;
  /** One WGS84 ring ([lon, lat] …, closed) per building; empty at night or for a citywide view. */
  shadows: [number, number][][];
}
