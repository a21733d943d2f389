/**
 * The impact models and the factors each one uses (issue #11 item 6): one list the engine runs,
 * the export writes and the impact panel shows, with each model's result (`ImpactResults`) and
 * its CSV rows (`EXPORT_ROWS`) — adding a model takes this file, its module in
 * server/impact/models/ and a line in server/impact/models/index.ts (issue #13). Factor values, units and sources live in the
 * `impact_factors` table; this declares which keys exist, their unit and the range a planner may
 * set them to.
 */

export const FACTORS = {
  'residential.storey_height_m': { unit: 'm', min: 2, max: 10 },
  'office.storey_height_m': { unit: 'm', min: 2, max: 10 },
  'retail.storey_height_m': { unit: 'm', min: 2, max: 10 },
  'industrial.storey_height_m': { unit: 'm', min: 2, max: 20 },
  'civic.storey_height_m': { unit: 'm', min: 2, max: 10 },
  'other.storey_height_m': { unit: 'm', min: 2, max: 10 },
  'residential.net_efficiency': { unit: 'ratio', min: 0.1, max: 1 },
  'office.net_efficiency': { unit: 'ratio', min: 0.1, max: 1 },
  'retail.net_efficiency': { unit: 'ratio', min: 0.1, max: 1 },
  'industrial.net_efficiency': { unit: 'ratio', min: 0.1, max: 1 },
  'civic.net_efficiency': { unit: 'ratio', min: 0.1, max: 1 },
  'other.net_efficiency': { unit: 'ratio', min: 0.1, max: 1 },
  'residential.dwelling_size_m2': { unit: 'm²', min: 10, max: 1000 },
  'residential.household_size': { unit: 'persons', min: 0.5, max: 10 },
  'office.m2_per_job': { unit: 'm²', min: 1, max: 1000 },
  'retail.m2_per_job': { unit: 'm²', min: 1, max: 1000 },
  'industrial.m2_per_job': { unit: 'm²', min: 1, max: 1000 },
  'civic.m2_per_job': { unit: 'm²', min: 1, max: 1000 },
  'other.m2_per_job': { unit: 'm²', min: 1, max: 1000 },
  'mixed.share_residential': { unit: 'share', min: 0, max: 1 },
  'mixed.share_retail': { unit: 'share', min: 0, max: 1 },
  'residential.peak_trips_per_dwelling': { unit: 'veh/h per dwelling', min: 0, max: 10 },
  'office.peak_trips_per_100m2': { unit: 'veh/h per 100 m²', min: 0, max: 50 },
  'retail.peak_trips_per_100m2': { unit: 'veh/h per 100 m²', min: 0, max: 50 },
  'industrial.peak_trips_per_100m2': { unit: 'veh/h per 100 m²', min: 0, max: 50 },
  'civic.peak_trips_per_100m2': { unit: 'veh/h per 100 m²', min: 0, max: 50 },
  'other.peak_trips_per_100m2': { unit: 'veh/h per 100 m²', min: 0, max: 50 },
  'traffic.urban_car_factor': { unit: 'ratio', min: 0, max: 2 },
  'traffic.gravity_beta_per_min': { unit: '1/min', min: 0, max: 2 },
  'traffic.peak_hour_local': { unit: 'hour', min: 0, max: 23 },
  'water.l_per_resident_day': { unit: 'l/day', min: 0, max: 2000 },
  'water.l_per_job_day': { unit: 'l/day', min: 0, max: 2000 },
  'water.peak_factor': { unit: 'ratio', min: 0.1, max: 10 },
  'water.min_pressure_m': { unit: 'm', min: 0, max: 100 },
  'water.max_velocity_m_s': { unit: 'm/s', min: 0.1, max: 10 },
  'water.max_headloss_m_per_km': { unit: 'm/km', min: 0.1, max: 200 },
  'power.residential_w_per_m2': { unit: 'W/m²', min: 0, max: 1000 },
  'power.office_w_per_m2': { unit: 'W/m²', min: 0, max: 1000 },
  'power.retail_w_per_m2': { unit: 'W/m²', min: 0, max: 1000 },
  'power.industrial_w_per_m2': { unit: 'W/m²', min: 0, max: 1000 },
  'power.civic_w_per_m2': { unit: 'W/m²', min: 0, max: 1000 },
  'power.other_w_per_m2': { unit: 'W/m²', min: 0, max: 1000 },
  'power.power_factor': { unit: 'kW/kVA', min: 0.5, max: 1 },
  'power.min_voltage_pu': { unit: 'pu', min: 0.5, max: 1 },
  'power.cable_r_ohm_per_km': { unit: 'Ω/km', min: 0.001, max: 10 },
  'power.cable_x_ohm_per_km': { unit: 'Ω/km', min: 0, max: 10 },
} as const satisfies Record<string, { unit: string; min: number; max: number }>;

export type FactorKey = keyof typeof FACTORS;
export const FACTOR_KEYS = Object.keys(FACTORS) as FactorKey[];

export const MIX_USES = [
  'residential',
  'office',
  'retail',
  'industrial',
  'civic',
  'other',
] as const;
type Use = (typeof MIX_USES)[number];
const perUse = <S extends string>(suffix: S) =>
  MIX_USES.map((u) => `${u}.${suffix}` as `${Use}.${S}`);

export const IMPACT_MODEL_KEYS = [
  'yield',
  'traffic',
  'water',
  'power',
  'shadow',
  'zoning',
] as const;
export type ImpactModelKey = (typeof IMPACT_MODEL_KEYS)[number];

export interface ImpactModelInfo {
  key: ImpactModelKey;
  title: string;
  /** What the model computes, in one line. */
  method: string;
  /** The outside reference it is checked against. */
  reference: string;
  factors: readonly FactorKey[];
}

const YIELD_FACTORS = [
  ...perUse('storey_height_m'),
  ...perUse('net_efficiency'),
  'residential.dwelling_size_m2',
  'residential.household_size',
  ...perUse('m2_per_job').filter((k) => k !== 'residential.m2_per_job'),
  'mixed.share_residential',
  'mixed.share_retail',
] as FactorKey[];

/** The models in the order the engine runs them (yield first: the others use its demand). */
export const IMPACT_MODELS: readonly ImpactModelInfo[] = [
  {
    key: 'yield',
    title: 'Yield',
    method: 'GFA = footprint × floors; NIA, dwellings, residents and jobs per use',
    reference: 'HCA Employment Density Guide; planning defaults',
    factors: YIELD_FACTORS,
  },
  {
    key: 'traffic',
    title: 'Traffic',
    method:
      'peak-hour trips, gravity distribution calibrated to counts, path-based user equilibrium (BPR), gap ≤ 1e-4',
    reference: 'TNTP Sioux Falls best-known equilibrium; GEH < 5 on count sites (DMRB)',
    factors: [
      'residential.peak_trips_per_dwelling',
      ...perUse('peak_trips_per_100m2').filter((k) => k !== 'residential.peak_trips_per_100m2'),
      'traffic.urban_car_factor',
      'traffic.gravity_beta_per_min',
      'traffic.peak_hour_local',
    ] as FactorKey[],
  },
  {
    key: 'water',
    title: 'Water',
    method:
      'EPANET hydraulic solve of the meshed network at peak demand; pressure and velocity limits',
    reference: 'EPANET 2.2 (epanet-js) on Net1',
    factors: [
      'water.l_per_resident_day',
      'water.l_per_job_day',
      'water.peak_factor',
      'water.min_pressure_m',
      'water.max_velocity_m_s',
      'water.max_headloss_m_per_km',
    ],
  },
  {
    key: 'power',
    title: 'Power',
    method:
      'radial load flow per 11 kV feeder (backward/forward sweep); thermal and voltage limits',
    reference: 'hand-computed radial feeder',
    factors: [
      ...perUse('w_per_m2').map((k) => `power.${k.split('.')[0]}_w_per_m2`),
      'power.power_factor',
      'power.min_voltage_pu',
      'power.cable_r_ohm_per_km',
      'power.cable_x_ohm_per_km',
    ] as FactorKey[],
  },
  {
    key: 'shadow',
    title: 'Shadow',
    method: 'NREL SPA sun positions every 10 minutes; new shade only (existing buildings counted)',
    reference: 'NREL SPA reference case; BRE 209 two-hour test',
    factors: [],
  },
  {
    key: 'zoning',
    title: 'Zoning',
    method: 'scenario heights against the max_height_m of overlapped land-use zones',
    reference: 'land_use.max_height_m',
    factors: [],
  },
];

/**
 * Each model's result: the section of `ScenarioImpact` (common/scenario-types.ts) under its key,
 * which its `defineModel` returns. A key in `IMPACT_MODEL_KEYS` without one fails `ImpactSections`.
 */
export interface ImpactResults {
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

export type ImpactSections = { [K in ImpactModelKey]: ImpactResults[K] };

/** An export row of a model: metric, baseline, scenario, delta, unit. */
export type ExportRow = [string, unknown, unknown, unknown, string];

const networkRows = (n: NetworkImpact): ExportRow[] => [
  ['demand', n.baseline.demand, n.scenario.demand, n.delta.demand, n.unit],
  [
    'flagged_assets',
    n.baseline.flagged,
    n.scenario.flagged,
    n.delta.flagged,
    'assets (delta: newly flagged)',
  ],
  ...n.flagged.map((a): ExportRow => [
    `${a.asset} ${a.id} ${a.metric}`,
    a.baseline,
    a.value,
    a.value - a.baseline,
    a.unit,
  ]),
  ['outside_model_demand', n.outside_model.amount, n.outside_model.amount, 0, n.outside_model.unit],
];

const YIELD_UNITS = {
  gfa_m2: 'm²',
  nia_m2: 'm²',
  dwellings: 'dwellings',
  residents: 'persons',
  jobs: 'jobs',
} as const satisfies Record<keyof YieldFigures, string>;

const TRAFFIC_UNITS = {
  vehicle_km: 'veh·km/h',
  vehicle_hours: 'veh·h/h',
  mean_delay_s: 's',
  trips: 'veh/h',
} as const satisfies Record<keyof ImpactResults['traffic']['kpis'], string>;

/**
 * The rows each model's section gives the CSV export (server/scenarios/scenario-export.ts), in
 * the order of the section: one per figure, baseline, scenario, delta and unit.
 */
export const EXPORT_ROWS: { [K in ImpactModelKey]: (section: ImpactResults[K]) => ExportRow[] } = {
  yield: (y) =>
    (['gfa_m2', 'nia_m2', 'dwellings', 'residents', 'jobs'] as const).map((k) => [
      k,
      y.baseline[k],
      y.scenario[k],
      y.delta[k],
      YIELD_UNITS[k],
    ]),
  traffic: (t) => [
    ...(['vehicle_km', 'vehicle_hours', 'mean_delay_s', 'trips'] as const).map((k): ExportRow => [
      k,
      t.kpis[k].baseline,
      t.kpis[k].scenario,
      t.kpis[k].delta,
      TRAFFIC_UNITS[k],
    ]),
    ['relative_gap', t.assignment.baseline_relative_gap, t.assignment.relative_gap, '', 'ratio'],
    [
      'calibration_geh_lt_5_share',
      t.calibration.geh_lt_5_share ?? '',
      '',
      '',
      'share of count sites',
    ],
    [
      'outside_model_trips',
      t.outside_model.amount,
      t.outside_model.amount,
      0,
      t.outside_model.unit,
    ],
  ],
  water: networkRows,
  power: networkRows,
  shadow: (s) => [
    ...s.neighbours.flatMap((n) =>
      Object.entries(n.hours_lost).map(([day, h]): ExportRow => [
        `building ${n.building_id} sun hours lost ${day}`,
        0,
        h,
        h,
        'hours',
      ]),
    ),
    ...s.parks.map((p): ExportRow => [
      `park ${p.land_use_id} share with ≥ 2 h sun (21 March)`,
      p.sunlit_2h_share_before,
      p.sunlit_2h_share_after,
      p.sunlit_2h_share_after - p.sunlit_2h_share_before,
      'share',
    ]),
  ],
  zoning: (z) =>
    z.flagged.map((f) => [
      `edit ${f.edit_id} height over land_use ${f.zone_id}`,
      f.max_height_m,
      f.height_m,
      f.excess_m,
      'm',
    ]),
};

export function modelInfo(key: ImpactModelKey): ImpactModelInfo {
  return IMPACT_MODELS.find((m) => m.key === key)!;
}

// The pieces of the results, used above and re-exported by common/scenario-types.ts.

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
