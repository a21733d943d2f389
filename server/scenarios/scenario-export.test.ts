import { describe, expect, it } from 'vitest';
import type { NetworkImpact, ScenarioImpact, UtilityAsset } from '../../common/scenario-types';
import { impactCsv } from './scenario-export';

const figures = (gfa: number) => ({
  gfa_m2: gfa,
  nia_m2: gfa * 0.8,
  dwellings: 10,
  residents: 23,
  jobs: 4,
});
const kpis = (km: number) => ({
  vehicle_km: km,
  vehicle_hours: 12.5,
  mean_delay_s: 30,
  mean_free_flow_s: 200,
  trips: 900,
  unserved_trips: 0,
  over_capacity_share: 0.01,
});
const factor = (key: string, source: string) => ({
  key,
  value: 1,
  unit: 'm',
  description: '',
  source,
});
const asset: UtilityAsset = {
  network: 'water',
  asset: 'water_node',
  id: '7',
  metric: 'pressure_m',
  unit: 'm',
  limit: 20,
  baseline: 21.5,
  value: 18.25,
  ratio: 1.096,
  baseline_flagged: false,
  flagged: true,
};
const network = (unit: string, a: UtilityAsset[]): NetworkImpact => ({
  unit,
  baseline: { demand: 10, flagged: 1, unserved: 0 },
  scenario: { demand: 12.5, flagged: 1 + a.length, unserved: 0 },
  delta: { demand: 2.5, flagged: a.length },
  flagged: a,
  assets: a,
  assets_total: 40,
  solver: { method: 'm', converged: true, detail: '' },
  outside_model: { buildings: 1, amount: 0.4, unit },
  factors: [factor(`${unit}.f`, 'Guide, "table" 2')],
});

/** A result with rows in every section, so each model's export rows are written. */
const RESULT: ScenarioImpact = {
  scenario: { id: 's', name: 'S', version: 3 },
  cache_key: 'k',
  computed_at: '2026-01-01T00:00:00Z',
  elapsed_ms: 1,
  timings: {},
  status: 'done',
  yield: {
    baseline: figures(1000),
    scenario: figures(1500),
    delta: figures(500),
    edits: [],
    factors: [factor('residential.storey_height_m', 'planning defaults')],
  },
  traffic: {
    kpis: {
      vehicle_km: { baseline: 100, scenario: 110, delta: 10 },
      vehicle_hours: { baseline: 5, scenario: 6, delta: 1 },
      mean_delay_s: { baseline: 20, scenario: 25, delta: 5 },
      trips: { baseline: 900, scenario: 950, delta: 50 },
    },
    baseline: kpis(100),
    scenario: kpis(110),
    delta: kpis(10),
    most_affected: [],
    links: [],
    added_trips: 50,
    assignment: {
      method: 'path-based',
      iterations: 9,
      relative_gap: 0.00009,
      baseline_iterations: 20,
      baseline_relative_gap: 0.00008,
      warm_start: true,
      zones: 12,
    },
    calibration: {
      status: 'no_counts',
      calibrated_at: null,
      hours_of_data: 0,
      sites: 0,
      geh_lt_5_share: null,
      prior_geh_lt_5_share: null,
      method: 'none',
    },
    outside_model: { buildings: 2, amount: 14, unit: 'veh/h' },
    factors: [factor('traffic.urban_car_factor', '=cmd')],
  },
  water: network('l/s', [asset]),
  power: network('kVA', []),
  shadow: {
    days: [],
    neighbours: [
      {
        building_id: '3',
        name: null,
        hours_lost: { '21 March': 1.5, '21 June': 0 },
        total_hours_lost: 1.5,
      },
    ],
    parks: [
      {
        land_use_id: '9',
        name: 'Park',
        sunlit_2h_share_before: 0.9,
        sunlit_2h_share_after: 0.75,
        passes_bre: true,
      },
    ],
    sun: { algorithm: 'NREL SPA' },
    layer: { type: 'FeatureCollection', features: [] },
  },
  zoning: {
    checked: 1,
    flagged: [
      {
        edit_id: '5',
        building_id: null,
        height_m: 42.5,
        max_height_m: 30,
        excess_m: 12.5,
        zone_id: '11',
        zone_class: 'residential',
        zone_name: null,
      },
    ],
  },
};

describe('impactCsv', () => {
  it('writes every model’s rows in the order of common/impact-models.ts, with its sources', () => {
    expect(impactCsv(RESULT)).toBe(EXPECTED);
  });
});

/** What the export wrote before its rows moved beside the models (issue #13), byte for byte. */
const EXPECTED =
  [
    'section,metric,baseline,scenario,delta,unit,sources',
    'yield,gfa_m2,1000,1500,500,m²,residential.storey_height_m: planning defaults',
    'yield,nia_m2,800,1200,400,m²,residential.storey_height_m: planning defaults',
    'yield,dwellings,10,10,10,dwellings,residential.storey_height_m: planning defaults',
    'yield,residents,23,23,23,persons,residential.storey_height_m: planning defaults',
    'yield,jobs,4,4,4,jobs,residential.storey_height_m: planning defaults',
    'traffic,vehicle_km,100,110,10,veh·km/h,traffic.urban_car_factor: =cmd',
    'traffic,vehicle_hours,5,6,1,veh·h/h,traffic.urban_car_factor: =cmd',
    'traffic,mean_delay_s,20,25,5,s,traffic.urban_car_factor: =cmd',
    'traffic,trips,900,950,50,veh/h,traffic.urban_car_factor: =cmd',
    'traffic,relative_gap,0.00008,0.00009,,ratio,traffic.urban_car_factor: =cmd',
    'traffic,calibration_geh_lt_5_share,,,,share of count sites,traffic.urban_car_factor: =cmd',
    'traffic,outside_model_trips,14,14,0,veh/h,traffic.urban_car_factor: =cmd',
    'water,demand,10,12.5,2.5,l/s,"l/s.f: Guide, ""table"" 2"',
    'water,flagged_assets,1,2,1,assets (delta: newly flagged),"l/s.f: Guide, ""table"" 2"',
    'water,water_node 7 pressure_m,21.5,18.25,-3.25,m,"l/s.f: Guide, ""table"" 2"',
    'water,outside_model_demand,0.4,0.4,0,l/s,"l/s.f: Guide, ""table"" 2"',
    'power,demand,10,12.5,2.5,kVA,"kVA.f: Guide, ""table"" 2"',
    'power,flagged_assets,1,1,0,assets (delta: newly flagged),"kVA.f: Guide, ""table"" 2"',
    'power,outside_model_demand,0.4,0.4,0,kVA,"kVA.f: Guide, ""table"" 2"',
    'shadow,building 3 sun hours lost 21 March,0,1.5,1.5,hours,',
    'shadow,building 3 sun hours lost 21 June,0,0,0,hours,',
    'shadow,park 9 share with ≥ 2 h sun (21 March),0.9,0.75,-0.15000000000000002,share,',
    'zoning,edit 5 height over land_use 11,30,42.5,12.5,m,',
  ].join('\n') + '\n';
