import { modelInfo } from '../../../common/impact-models';
import { attachDemand, type Baseline } from '../baseline';
import { sweep, type PowerState } from '../power-model';
import { powerDemandKva } from '../yield';
import { defineModel, round } from './model';
import { networkImpact, type Check } from './network-impact';

/** Checks of transformers and substations (loading, voltage) and MV lines (loading). */
export function powerChecks(
  base: Baseline,
  before: PowerState,
  after: PowerState,
  load: { before: Float64Array; after: Float64Array },
): Check[] {
  const m = base.city.power;
  const t = base.power.tree;
  const minV = base.factors.get('power.min_voltage_pu');
  const checks: Check[] = [];
  m.kind.forEach((k, i) => {
    if (!Number.isFinite(before.voltage[i]!)) return;
    const cap = m.nodeCapacity[i]!;
    const own =
      k === 'substation'
        ? [before.nodeLoad[i]!, after.nodeLoad[i]!]
        : [load.before[i]!, load.after[i]!];
    if ((k === 'transformer' || k === 'substation') && cap > 0) {
      checks.push({
        asset: 'power_node',
        id: m.nodeId[i]!,
        metric: 'loading',
        unit: 'kVA/kVA',
        limit: 1,
        kind: 'max',
        baseline: own[0]! / cap,
        value: own[1]! / cap,
        tolerance: 1e-4,
      });
    }
    checks.push({
      asset: 'power_node',
      id: m.nodeId[i]!,
      metric: 'voltage_pu',
      unit: 'pu',
      limit: minV,
      kind: 'min',
      baseline: before.voltage[i]!,
      value: after.voltage[i]!,
      tolerance: 1e-5,
    });
  });
  m.edges.forEach((e, k) => {
    if (!t.inTree[k] || !(e.capacity > 0)) return;
    checks.push({
      asset: 'power_line',
      id: e.id,
      metric: 'loading',
      unit: 'kVA/kVA',
      limit: 1,
      kind: 'max',
      baseline: before.edgeLoad[k]! / e.capacity,
      value: after.edgeLoad[k]! / e.capacity,
      tolerance: 1e-4,
    });
  });
  return checks;
}

/** The scenario's peak power demand through the feeders (backward/forward sweep), against the baseline. */
export const powerModel = defineModel('power', ({ base, changes }) => {
  const p = base.power;
  const load = p.load.slice();
  let outsideBuildings = p.outside.buildings;
  let outsideDemand = p.outside.demand;
  let changed = false;
  for (const d of changes.demand) {
    const amount =
      (d.to ? powerDemandKva(d.to, base.factors) : 0) -
      (d.from ? powerDemandKva(d.from, base.factors) : 0);
    if (amount === 0) continue;
    if (attachDemand(p.attach, load, d.x, d.y, amount)) changed = true;
    else {
      outsideBuildings++;
      outsideDemand += amount;
    }
  }
  const state = changed ? sweep(p.tree, load, base.factors.get('power.power_factor')) : p.state;
  const sum = (a: Float64Array) => a.reduce((s, v) => s + v, 0);
  return networkImpact(
    'power',
    powerChecks(base, p.state, state, { before: p.load, after: load }),
    {
      unit: 'kVA',
      baselineDemand: sum(p.load),
      scenarioDemand: sum(load),
      baselineUnserved: p.state.unserved,
      scenarioUnserved: state.unserved,
    },
    {
      solver: {
        method: 'radial load flow per feeder (backward/forward sweep), constant-power loads',
        converged: state.converged,
        detail: `${state.iterations} sweeps`,
      },
      outside_model: { buildings: outsideBuildings, amount: round(outsideDemand, 1), unit: 'kVA' },
      factors: base.factors.cite(modelInfo('power').factors),
    },
  );
});
