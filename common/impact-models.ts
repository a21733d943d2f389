/**
 * The impact models and the factors each one uses (issue #11 item 6): one list the engine runs,
 * the export writes and the impact panel shows. Factor values, units and sources live in the
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

export function modelInfo(key: ImpactModelKey): ImpactModelInfo {
  return IMPACT_MODELS.find((m) => m.key === key)!;
}
