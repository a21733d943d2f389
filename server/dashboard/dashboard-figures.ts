import { sql, type Kysely } from 'kysely';
import type { DashboardKpi, DashboardResponse, DashboardSeries } from '../../common/api-types';
import type { Database } from '../../schema/database';

/** The public dashboard's headline figures, by key (`/embed/kpi/{key}`). */
export const KPI_KEYS = [
  'traffic_congestion',
  'traffic_sensors_reporting',
  'open_alerts',
  'water_demand',
  'power_load',
] as const;
/** Its 24-hour charts, by key (`/embed/chart/{key}`). */
export const SERIES_KEYS = ['congestion', 'water_demand', 'power_load'] as const;

/** A sensor counts as reporting when its last reading is newer than three intervals (at least 10 min). */
const FRESH = sql`st.ts > now() - make_interval(secs => greatest(3 * s.interval_s, 600))`;

interface NowRow {
  traffic_total: string | number;
  traffic_reporting: string | number;
  traffic_ts: Date | string | null;
  speed_ratio: number | null;
  speed_sensors: string | number;
  water_ratio: number | null;
  water_meters: string | number;
  water_ts: Date | string | null;
  power_ratio: number | null;
  power_stations: string | number;
  power_ts: Date | string | null;
}

const iso = (t: Date | string | null) => (t === null ? null : new Date(t).toISOString());
const pct = (ratio: number | null) =>
  ratio === null ? null : Math.round(Number(ratio) * 1000) / 10;

/**
 * Every figure of `GET /api/dashboard` but the published scenarios: current values from
 * `sensor_state` (one row per sensor), typical values and the 24-hour series from the
 * 5-minute city roll-ups (`city_metrics`). Utility figures are city-wide aggregates only: no
 * utility sensor, asset or place is named.
 */
export async function dashboardFigures(
  db: Kysely<Database>,
): Promise<Omit<DashboardResponse, 'scenarios'>> {
  const [now, alerts, typical, series] = await Promise.all([
    sql<NowRow>`
      SELECT
        count(*) FILTER (WHERE s.kind IN ('traffic_speed', 'traffic_flow')) AS traffic_total,
        count(*) FILTER (WHERE s.kind IN ('traffic_speed', 'traffic_flow') AND ${FRESH}) AS traffic_reporting,
        max(st.ts) FILTER (WHERE s.kind IN ('traffic_speed', 'traffic_flow') AND ${FRESH}) AS traffic_ts,
        avg(st.value / s.reference_value) FILTER (WHERE s.kind = 'traffic_speed' AND ${FRESH}) AS speed_ratio,
        count(*) FILTER (WHERE s.kind = 'traffic_speed' AND ${FRESH}) AS speed_sensors,
        sum(st.value) FILTER (WHERE s.kind = 'water_flow' AND ${FRESH})
          / nullif(sum(s.reference_value) FILTER (WHERE s.kind = 'water_flow' AND ${FRESH}), 0) AS water_ratio,
        count(*) FILTER (WHERE s.kind = 'water_flow' AND ${FRESH}) AS water_meters,
        max(st.ts) FILTER (WHERE s.kind = 'water_flow' AND ${FRESH}) AS water_ts,
        sum(st.value) FILTER (WHERE s.kind = 'power_load' AND s.asset_type = 'power_node' AND ${FRESH})
          / nullif(sum(s.reference_value) FILTER (WHERE s.kind = 'power_load' AND s.asset_type = 'power_node' AND ${FRESH}), 0) AS power_ratio,
        count(*) FILTER (WHERE s.kind = 'power_load' AND s.asset_type = 'power_node' AND ${FRESH}) AS power_stations,
        max(st.ts) FILTER (WHERE s.kind = 'power_load' AND s.asset_type = 'power_node' AND ${FRESH}) AS power_ts
      FROM sensors s LEFT JOIN sensor_state st ON st.sensor_id = s.id
      WHERE s.reference_value > 0 OR s.kind IN ('traffic_speed', 'traffic_flow')`.execute(db),
    sql<{ n: string | number; ts: Date | string | null }>`
      SELECT count(*) AS n, max(last_seen_at) AS ts FROM sensor_alerts WHERE closed_at IS NULL`.execute(
      db,
    ),
    // The same clock hour (UTC) on the previous seven days.
    sql<{ typical: number | null; days: string | number }>`
      SELECT avg(value) AS typical, count(DISTINCT date_trunc('day', bucket)) AS days FROM city_metrics
      WHERE metric = 'traffic_speed_ratio'
        AND bucket >= now() - interval '7 days 1 hour' AND bucket < date_trunc('hour', now())
        AND extract(hour FROM bucket AT TIME ZONE 'UTC') = extract(hour FROM now() AT TIME ZONE 'UTC')`.execute(
      db,
    ),
    sql<{ metric: string; bucket: Date | string; value: number }>`
      SELECT metric, bucket, value FROM city_metrics
      WHERE bucket >= now() - interval '24 hours' ORDER BY metric, bucket`.execute(db),
  ]);
  const r = now.rows[0]!;
  const trafficTotal = Number(r.traffic_total);
  const speed = pct(r.speed_ratio);
  const usual = typical.rows[0];
  const usualPct = usual?.typical === null || usual === undefined ? null : pct(usual.typical);

  const congestion: DashboardKpi = {
    key: 'traffic_congestion',
    label: 'Traffic speed vs free flow',
    value: speed,
    unit: '%',
    as_of: iso(r.traffic_ts),
    source: `Mean of speed ÷ free-flow speed over the ${Number(r.speed_sensors).toLocaleString('en')} traffic speed sensors reporting (100 % = free flow, lower = more congested)`,
  };
  if (speed !== null && usualPct !== null) {
    congestion.trend = {
      delta: Math.round((speed - usualPct) * 10) / 10,
      unit: 'percentage points',
      reference: `typical for this hour (mean of the same hour on the last ${Number(usual!.days)} days)`,
      reference_value: usualPct,
    };
  }
  const alertCount = Number(alerts.rows[0]?.n ?? 0);
  const kpis: DashboardKpi[] = [
    congestion,
    {
      key: 'traffic_sensors_reporting',
      label: 'Traffic sensors reporting',
      value:
        trafficTotal === 0
          ? null
          : Math.round((Number(r.traffic_reporting) / trafficTotal) * 1000) / 10,
      unit: '%',
      as_of: iso(r.traffic_ts),
      source: `${Number(r.traffic_reporting).toLocaleString('en')} of ${trafficTotal.toLocaleString('en')} registered traffic sensors (speed and flow) sent a reading within three of their intervals`,
    },
    {
      key: 'open_alerts',
      label: 'Open sensor alerts',
      value: alertCount,
      unit: 'alerts',
      as_of: iso(alerts.rows[0]?.ts ?? null) ?? new Date().toISOString(),
      source: 'Anomalies (spike, stuck, drift, silence) the twin detects on every sensor, open now',
    },
    {
      key: 'water_demand',
      label: 'Water demand vs network capacity',
      value: pct(r.water_ratio),
      unit: '%',
      as_of: iso(r.water_ts),
      source: `City-wide: total flow ÷ total capacity of the ${Number(r.water_meters).toLocaleString('en')} metered water mains reporting`,
    },
    {
      key: 'power_load',
      label: 'Power load vs substation capacity',
      value: pct(r.power_ratio),
      unit: '%',
      as_of: iso(r.power_ts),
      source: `City-wide: total load ÷ total rated capacity of the ${Number(r.power_stations).toLocaleString('en')} substations reporting`,
    },
  ];

  const points = (metric: string) =>
    series.rows
      .filter((p) => p.metric === metric)
      .map((p) => ({ t: new Date(p.bucket).toISOString(), value: pct(Number(p.value))! }));
  const out: DashboardSeries[] = [
    {
      key: 'congestion',
      label: 'Traffic speed vs free flow, last 24 h',
      unit: '%',
      points: points('traffic_speed_ratio'),
    },
    {
      key: 'water_demand',
      label: 'Water demand vs capacity, last 24 h',
      unit: '%',
      points: points('water_demand_ratio'),
    },
    {
      key: 'power_load',
      label: 'Power load vs substation capacity, last 24 h',
      unit: '%',
      points: points('power_load_ratio'),
    },
  ];
  return { as_of: new Date().toISOString(), kpis, series: out };
}
