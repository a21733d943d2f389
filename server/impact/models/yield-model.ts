import { modelInfo } from '../../../common/impact-models';
import { addYield } from '../yield';
import { yieldJson } from '../scenario-changes';
import { defineModel } from './model';

/** GFA, NIA, dwellings, residents and jobs of the scenario against the baseline (see yield.ts). */
export const yieldModel = defineModel('yield', ({ base, changes }) => ({
  baseline: yieldJson(base.yield),
  scenario: yieldJson(changes.yield),
  delta: yieldJson(addYield(changes.yield, base.yield, -1)),
  edits: changes.perEdit,
  // The factors of the model's list that the changed buildings' yield read.
  factors: base.factors.cite(modelInfo('yield').factors.filter((k) => changes.used.has(k))),
}));
