import { IMPACT_MODELS } from '../../../common/impact-models';
import type { ScenarioImpact } from '../../../common/scenario-types';
import { api } from './api';

/** One KPI of a scenario's impact: baseline, scenario and delta, with the sources its model cites. */
export interface ImpactRow {
  key: string;
  section: string;
  label: string;
  unit: string;
  baseline: number;
  scenario: number;
  delta: number;
  sources: string[];
}

/**
 * Every headline KPI of an impact (issue #12 item 1), in the models' order: what the comparison
 * table and the one-page summary show. Sources are each model's cited factors (`key: source`).
 */
export function impactRows(r: ScenarioImpact): ImpactRow[] {
  const rows: ImpactRow[] = [];
  for (const model of IMPACT_MODELS) {
    const section = r[model.key] as { factors?: { key: string; source: string }[] };
    const sources = (section.factors ?? []).map((f) => `${f.key}: ${f.source}`);
    const add = (
      key: string,
      label: string,
      unit: string,
      baseline: number,
      scenario: number,
      delta = scenario - baseline,
    ) =>
      rows.push({
        key: `${model.key}.${key}`,
        section: model.title,
        label,
        unit,
        baseline,
        scenario,
        delta,
        sources,
      });
    if (model.key === 'yield') {
      const y = r.yield;
      add('gfa_m2', 'Floor area', 'm²', y.baseline.gfa_m2, y.scenario.gfa_m2, y.delta.gfa_m2);
      add(
        'dwellings',
        'Homes',
        'dwellings',
        y.baseline.dwellings,
        y.scenario.dwellings,
        y.delta.dwellings,
      );
      add(
        'residents',
        'Residents',
        'persons',
        y.baseline.residents,
        y.scenario.residents,
        y.delta.residents,
      );
      add('jobs', 'Jobs', 'jobs', y.baseline.jobs, y.scenario.jobs, y.delta.jobs);
    } else if (model.key === 'traffic') {
      const k = r.traffic.kpis;
      add(
        'vehicle_km',
        'Vehicle-km (peak hour)',
        'veh·km',
        k.vehicle_km.baseline,
        k.vehicle_km.scenario,
        k.vehicle_km.delta,
      );
      add(
        'vehicle_hours',
        'Vehicle-hours',
        'veh·h',
        k.vehicle_hours.baseline,
        k.vehicle_hours.scenario,
        k.vehicle_hours.delta,
      );
      add(
        'mean_delay_s',
        'Mean delay per trip',
        's',
        k.mean_delay_s.baseline,
        k.mean_delay_s.scenario,
        k.mean_delay_s.delta,
      );
      add('trips', 'Peak-hour trips', 'veh/h', k.trips.baseline, k.trips.scenario, k.trips.delta);
    } else if (model.key === 'water' || model.key === 'power') {
      const n = r[model.key];
      add('demand', 'Demand', n.unit, n.baseline.demand, n.scenario.demand, n.delta.demand);
      add(
        'flagged',
        'Assets over a limit',
        'assets',
        n.baseline.flagged,
        n.scenario.flagged,
        n.delta.flagged,
      );
    } else if (model.key === 'shadow') {
      const lost = r.shadow.neighbours.reduce((sum, b) => sum + b.total_hours_lost, 0);
      add('neighbours', 'Neighbours losing sun', 'buildings', 0, r.shadow.neighbours.length);
      add('hours_lost', 'Sun hours lost (sample days)', 'h', 0, lost);
      add(
        'parks_failing',
        'Parks failing BRE 209',
        'parks',
        0,
        r.shadow.parks.filter((p) => !p.passes_bre).length,
      );
    } else if (model.key === 'zoning') {
      add('flagged', 'Heights over a zone limit', 'edits', 0, r.zoning.flagged.length);
    }
  }
  return rows;
}

export const formatNumber = (v: number, digits = 1) =>
  v.toLocaleString('en-GB', { maximumFractionDigits: digits });
export const formatDelta = (v: number, digits = 1) =>
  `${v > 0 ? '+' : v < 0 ? '−' : '±'}${formatNumber(Math.abs(v), digits)}`;

/** Fetches a scenario's impact, waiting (up to `attempts` × 10 s) while the server's queue computes it. */
export async function fetchImpact(id: string, attempts = 30): Promise<ScenarioImpact> {
  for (let i = 0; i < attempts; i++) {
    const res = await api.request('GET', `/api/scenarios/${id}/impact?wait=10`, { accept: [202] });
    if (res.status === 200) return (await res.json()) as ScenarioImpact;
  }
  throw new Error('The impact is still being computed; try again in a moment.');
}
