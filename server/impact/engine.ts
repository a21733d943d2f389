import { IMPACT_MODEL_KEYS, type ImpactModelKey } from '../../common/impact-models';
import type { ScenarioImpact } from '../../common/scenario-types';
import type { Baseline } from './baseline';
import type { ImpactContext, ImpactModel } from './models/model';
import { MODELS } from './models/index';
import { scenarioChanges } from './scenario-changes';
import type { ScenarioInputs } from './scenario-inputs';

export type ModelResults = Pick<ScenarioImpact, ImpactModelKey | 'timings'>;

/** Computes the impact of a scenario's edits against the baseline: each model in turn. */
export async function computeImpact(
  base: Baseline,
  inputs: ScenarioInputs,
  onPhase: (phase: ImpactModelKey) => void = () => {},
): Promise<ModelResults> {
  const ctx: ImpactContext = { base, changes: scenarioChanges(base, inputs.edits), inputs };
  const timings: Record<string, number> = {};
  const out: Partial<Record<ImpactModelKey, unknown>> = {};
  for (const key of IMPACT_MODEL_KEYS) {
    onPhase(key);
    const started = performance.now();
    out[key] = await (MODELS[key] as ImpactModel<ImpactModelKey>).compute(ctx);
    timings[`${key}_ms`] = Math.round(performance.now() - started);
  }
  return { ...(out as Pick<ScenarioImpact, ImpactModelKey>), timings };
}
