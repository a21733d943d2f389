import type { ImpactModelKey } from '../../../common/impact-models';
import type { ImpactModel } from './model';
import { powerModel } from './power-impact';
import { shadowModel } from './shadow-impact';
import { trafficModel } from './traffic-impact';
import { waterModel } from './water-impact';
import { yieldModel } from './yield-model';
import { zoningModel } from './zoning-impact';

/**
 * Every model, by key (one line each); the engine runs them in the order of
 * common/impact-models.ts. A key there without its model here fails `tsc`.
 */
export const MODELS: { [K in ImpactModelKey]: ImpactModel<K> } = {
  yield: yieldModel,
  traffic: trafficModel,
  water: waterModel,
  power: powerModel,
  shadow: shadowModel,
  zoning: zoningModel,
};
