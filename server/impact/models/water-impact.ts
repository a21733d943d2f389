import { modelInfo } from '../../../common/impact-models';
import { attachDemand, type Baseline } from '../baseline';
import type { WaterState } from '../water-model';
import { waterDemandLs } from '../yield';
import { defineModel, round } from './model';
import { networkImpact, type Check } from './network-impact';

/** Checks of every junction (pressure) and pipe (velocity, head loss) before and after. */
export function waterChecks(base: Baseline, before: WaterState, after: WaterState): Check[] {
  const f = base.factors;
  const m = base.city.water;
  const minP = f.get('water.min_pressure_m');
  const maxV = f.get('water.max_velocity_m_s');
  const maxH = f.get('water.max_headloss_m_per_km');
  const checks: Check[] = [];
  m.kind.forEach((k, i) => {
    if (k !== 'junction' || !Number.isFinite(before.pressure[i]!)) return;
    checks.push({
      asset: 'water_node',
      id: m.nodeId[i]!,
      metric: 'pressure_m',
      unit: 'm',
      limit: minP,
      kind: 'min',
      baseline: before.pressure[i]!,
      value: after.pressure[i]!,
      tolerance: 0.01,
    });
  });
  m.edges.forEach((e, k) => {
    checks.push({
      asset: 'water_pipe',
      id: e.id,
      metric: 'velocity_m_s',
      unit: 'm/s',
      limit: maxV,
      kind: 'max',
      baseline: before.velocity[k]!,
      value: after.velocity[k]!,
      tolerance: 0.001,
    });
    checks.push({
      asset: 'water_pipe',
      id: e.id,
      metric: 'headloss_m_per_km',
      unit: 'm/km',
      limit: maxH,
      kind: 'max',
      baseline: before.headloss[k]!,
      value: after.headloss[k]!,
      tolerance: 0.01,
    });
  });
  return checks;
}

/** The scenario's peak water demand on the EPANET model of the network, against the baseline solve. */
export const waterModel = defineModel('water', ({ base, changes }) => {
  const w = base.water;
  const demand = w.demand.slice();
  let outsideBuildings = w.outside.buildings;
  let outsideDemand = w.outside.demand;
  let changed = false;
  for (const d of changes.demand) {
    const amount =
      (d.to ? waterDemandLs(d.to, base.factors) : 0) -
      (d.from ? waterDemandLs(d.from, base.factors) : 0);
    if (amount === 0) continue;
    if (attachDemand(w.attach, demand, d.x, d.y, amount)) changed = true;
    else {
      outsideBuildings++;
      outsideDemand += amount;
    }
  }
  const state = changed ? w.solver.solve(demand) : w.state;
  const sum = (a: Float64Array) =>
    a.reduce((s, v) => s + v, 0) + w.solver.baseDemand.reduce((s, v) => s + v, 0);
  return networkImpact(
    'water',
    waterChecks(base, w.state, state),
    {
      unit: 'l/s',
      baselineDemand: sum(w.demand),
      scenarioDemand: sum(demand),
      baselineUnserved: 0,
      scenarioUnserved: 0,
    },
    {
      solver: {
        method: 'EPANET 2.2 (epanet-js), one hydraulic period at peak demand',
        converged: Number.isFinite(state.supplied),
        detail: `supplied ${round(state.supplied, 1)} l/s`,
      },
      outside_model: { buildings: outsideBuildings, amount: round(outsideDemand, 3), unit: 'l/s' },
      factors: base.factors.cite(modelInfo('water').factors),
    },
  );
});
