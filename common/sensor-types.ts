/**
 * JSON shapes of the live-sensor API (issue #4), shared by the server and the web client.
 * Types only.
 */

export type SensorAssetType =
  'road_link' | 'water_pipe' | 'water_node' | 'power_line' | 'power_node';

/** ok: within normal range; warn / alarm: degraded (congested, low pressure, overloaded). */
export type SensorStatus = 'ok' | 'warn' | 'alarm' | 'unknown';

/** One item of `POST /api/ingest/readings`: sensor by numeric id or external id. */
export interface ReadingInput {
  sensor: string | number;
  /** ISO 8601 or epoch milliseconds. */
  ts: string | number;
  value: number;
}

export type RejectReason = 'unknown_sensor' | 'value_not_finite' | 'ts_in_future' | 'malformed';

/** The answer of `POST /api/ingest/readings`, sent only after the rows are committed. */
export interface IngestResponse {
  accepted: number;
  duplicate: number;
  rejected: number;
  /** One entry per rejected item; `index` is its position in the request (0-based). */
  errors: { index: number; reason: RejectReason; message: string }[];
}

/** One sensor of `GET /api/sensors`, with its current value. */
export interface SensorInfo {
  id: string;
  external_id: string;
  kind: string;
  unit: string;
  name: string | null;
  /** [longitude, latitude], WGS84. */
  location: [number, number];
  asset_type: SensorAssetType | null;
  asset_id: string | null;
  reference_value: number | null;
  interval_s: number;
  /** The latest reading (or the one as of `at`), null when there is none. */
  current: { ts: string; value: number; ratio: number | null; status: SensorStatus } | null;
}

export interface SensorListResponse {
  /** ISO time the values are as of (now unless `at` was given). */
  at: string;
  sensors: SensorInfo[];
}

/** One update of `GET /api/live` (event `readings`, data: an array of these). */
export interface LiveUpdate {
  sensor: string;
  kind: string;
  asset_type: SensorAssetType | null;
  asset_id: string | null;
  ts: string;
  value: number;
  /** value ÷ reference_value (speed ÷ free-flow speed, load ÷ rating), when known. */
  ratio: number | null;
  status: SensorStatus;
}

/** `GET /api/sensors/{id}/readings?from&to&bucket`. */
export interface ReadingsResponse {
  sensor: string;
  from: string;
  to: string;
  /** Bucket width, seconds. */
  bucket_s: number;
  points: { t: string; avg: number; min: number; max: number; count: number }[];
}

/** `GET /api/h3?metric&res&at`. */
export interface H3Response {
  metric: 'speed_ratio' | 'congestion' | 'readings';
  res: number;
  at: string;
  cells: { h3: string; value: number; sensors: number }[];
}

/** What an anomaly alert found: a jump, a value that stopped changing, a drift, no readings. */
export type AlertKind = 'spike' | 'stuck' | 'drift' | 'silence';

export interface SensorAlert {
  id: string;
  sensor: string;
  external_id: string;
  kind: AlertKind;
  opened_at: string;
  last_seen_at: string;
  value: number | null;
  detail: Record<string, unknown>;
  location: [number, number];
  asset_type: SensorAssetType | null;
  asset_id: string | null;
  /** The alerting sensor's kind (`traffic_speed`, …) and name, to say what and where. */
  sensor_kind: string;
  sensor_name: string | null;
  severity: AlertSeverity;
}

/** How much an open alert matters (server/sensors/alert-severity.ts). */
export type AlertSeverity = 'low' | 'medium' | 'high';

/** `GET /api/maintenance?asset_type`: a risk score in [0, 1] per water/power asset. */
export interface MaintenanceRisk {
  asset_type: SensorAssetType;
  asset_id: string;
  risk: number;
  /** Alerts of its sensors in the last 30 days, by kind. */
  alerts: Record<string, number>;
  open_alerts: number;
}

/** `GET /api/readings/range`: the span of stored traffic history (issue #12 item 5). */
export interface HistoryRange {
  /** ISO 8601 start of the oldest roll-up bucket; null without readings. */
  from: string | null;
  /** ISO 8601 end of the newest bucket. */
  to: string | null;
  /** `TWIN_RETENTION_DAYS`; null: kept forever. */
  retention_days: number | null;
  /** Width of one roll-up bucket, seconds. */
  bucket_s: number;
}

/** A camera's view (issue #17), given when a sensor of kind `camera` is registered. */
export interface CameraView {
  /** Degrees clockwise from north. */
  heading: number;
  /** Width of the view, degrees. */
  fov: number;
  /** Length of the drawn view cone, metres (default 60). */
  range_m?: number;
  /** road_links ids the camera watches. */
  links?: (string | number)[];
}

/** A new sensor as `POST /api/sensors` and the replay tool send it. */
export interface SensorRegistration {
  external_id: string;
  kind: string;
  unit?: string;
  name?: string;
  location: [number, number];
  asset_type?: SensorAssetType;
  asset_id?: string | number;
  reference_value?: number;
  interval_s?: number;
  attributes?: Record<string, unknown>;
  /** Kind `camera` only: where it looks and what it watches. */
  camera?: CameraView;
  /** The camera (id or external id) whose analysis produces this sensor's readings. */
  source?: string | number;
}
