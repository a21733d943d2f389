import type { NetworkImpact, UtilityAsset } from '../../../common/scenario-types';
import { round } from './model';

/** At most this many changed assets are listed (largest changes first). */
const MAX_ASSETS = 500;

/** One check of one asset: a value against a limit, a maximum or a minimum. */
export interface Check {
  asset: UtilityAsset['asset'];
  id: string;
  metric: UtilityAsset['metric'];
  unit: string;
  limit: number;
  kind: 'max' | 'min';
  baseline: number;
  value: number;
  /** Smallest change worth listing. */
  tolerance: number;
}

const ratioOf = (c: { limit: number; kind: 'max' | 'min' }, v: number) => {
  if (!Number.isFinite(v)) return 0;
  if (c.kind === 'max') return c.limit > 0 ? v / c.limit : v > 0 ? Infinity : 0;
  return v > 0 ? c.limit / v : Infinity;
};

/**
 * Turns the checks of every asset, before and after, into the network section: assets flagged at
 * baseline and in the scenario, the newly flagged ones, and those whose value changes. Several
 * checks of one asset (velocity and head loss of a pipe) count it once, shown by its worst one.
 */
export function networkImpact(
  network: 'water' | 'power',
  checks: Check[],
  summary: {
    unit: string;
    baselineDemand: number;
    scenarioDemand: number;
    baselineUnserved: number;
    scenarioUnserved: number;
  },
  extra: Pick<NetworkImpact, 'solver' | 'outside_model' | 'factors'>,
): NetworkImpact {
  const byAsset = new Map<string, { row: UtilityAsset; change: number }>();
  const flaggedBase = new Set<string>();
  const flaggedNow = new Set<string>();
  for (const c of checks) {
    const key = `${c.asset}:${c.id}`;
    const baseRatio = ratioOf(c, c.baseline);
    const ratio = ratioOf(c, c.value);
    if (baseRatio > 1) flaggedBase.add(key);
    if (ratio > 1) flaggedNow.add(key);
    const changed = Math.abs(c.value - c.baseline) >= c.tolerance;
    const prev = byAsset.get(key);
    if (!changed && !prev) continue;
    const row: UtilityAsset = {
      network,
      asset: c.asset,
      id: c.id,
      metric: c.metric,
      unit: c.unit,
      limit: round(c.limit, 3),
      baseline: round(c.baseline, 3),
      value: round(c.value, 3),
      ratio: round(Math.min(ratio, 99), 3),
      baseline_flagged: false,
      flagged: false,
    };
    if (!prev || ratio > prev.row.ratio)
      byAsset.set(key, { row, change: Math.max(prev?.change ?? 0, Math.abs(ratio - baseRatio)) });
  }
  const assets = [...byAsset.entries()].map(([key, { row, change }]) => {
    row.baseline_flagged = flaggedBase.has(key);
    row.flagged = flaggedNow.has(key);
    return { row, change };
  });
  assets.sort((a, b) => b.change - a.change);
  const flagged = assets.filter((a) => a.row.flagged && !a.row.baseline_flagged).map((a) => a.row);
  const total = new Set(checks.map((c) => `${c.asset}:${c.id}`)).size;
  return {
    unit: summary.unit,
    baseline: {
      demand: round(summary.baselineDemand, 3),
      flagged: flaggedBase.size,
      unserved: round(summary.baselineUnserved, 3),
    },
    scenario: {
      demand: round(summary.scenarioDemand, 3),
      flagged: flaggedNow.size,
      unserved: round(summary.scenarioUnserved, 3),
    },
    delta: {
      demand: round(summary.scenarioDemand - summary.baselineDemand, 3),
      flagged: flagged.length,
    },
    flagged: flagged.sort((a, b) => b.ratio - a.ratio),
    assets: assets.slice(0, MAX_ASSETS).map((a) => a.row),
    assets_total: total,
    ...extra,
  };
}
