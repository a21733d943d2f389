import type { DashboardKpi } from './api-types';
import type { ScenarioImpact } from './scenario-types';

/**
 * A scenario's headline deltas for the public dashboard and its embed (issue #9 item 5): homes,
 * jobs, peak-hour vehicle-hours and utility assets over capacity, each against the baseline.
 * A pure function, shared by the server's dashboard and the web embed.
 */
export function scenarioHeadline(impact: ScenarioImpact): DashboardKpi[] {
  const at = impact.computed_at;
  // Assets the scenario newly flags (over a design limit where the baseline is not), both networks.
  const overCapacity = impact.water.delta.flagged + impact.power.delta.flagged;
  return [
    {
      key: 'homes',
      label: 'Homes',
      // Counts: the yield model's fractional estimate, to the nearest whole one.
      value: Math.round(impact.yield.delta.dwellings),
      unit: 'dwellings',
      as_of: at,
      source: 'Residential floor area ÷ dwelling size (impact factors)',
    },
    {
      key: 'jobs',
      label: 'Jobs',
      value: Math.round(impact.yield.delta.jobs),
      unit: 'jobs',
      as_of: at,
      source: 'Non-residential floor area ÷ floor area per job (impact factors)',
    },
    {
      key: 'vehicle_hours',
      label: 'Vehicle-hours in the peak hour',
      value: Math.round(impact.traffic.kpis.vehicle_hours.delta * 10) / 10,
      unit: 'veh·h',
      as_of: at,
      source:
        'Traffic model: trips from the added floor area assigned to the road network (user equilibrium)',
    },
    {
      key: 'assets_over_capacity',
      label: 'Utility assets over capacity',
      value: overCapacity,
      unit: 'assets',
      as_of: at,
      source:
        'Water pipes and nodes (EPANET: pressure, velocity, head loss) and power lines and nodes (load flow: loading, voltage) newly beyond their limits, against the baseline',
    },
  ];
}
