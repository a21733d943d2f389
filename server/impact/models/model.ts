import { modelInfo, type FactorKey, type ImpactModelKey } from '../../../common/impact-models';
import type { ScenarioImpact } from '../../../common/scenario-types';
import type { Baseline } from '../baseline';
import type { ScenarioChanges } from '../scenario-changes';
import type { ScenarioInputs } from '../scenario-inputs';

/** What every model reads: the baseline, the folded edits, and the inputs loaded for them. */
export interface ImpactContext {
  base: Baseline;
  changes: ScenarioChanges;
  inputs: ScenarioInputs;
}

/**
 * One impact model (issue #11 item 6): the factors it uses (the typed list declared once in
 * common/impact-models.ts, which the export and the panel read too), a compute function, and
 * its result — the section of `ScenarioImpact` under its key.
 */
export interface ImpactModel<K extends ImpactModelKey> {
  key: K;
  factors: readonly FactorKey[];
  compute(ctx: ImpactContext): ScenarioImpact[K] | Promise<ScenarioImpact[K]>;
}

export function defineModel<K extends ImpactModelKey>(
  key: K,
  compute: ImpactModel<K>['compute'],
): ImpactModel<K> {
  return { key, factors: modelInfo(key).factors, compute };
}

export const round = (v: number, d = 2) =>
  Number.isFinite(v) ? Math.round(v * 10 ** d) / 10 ** d : v;
