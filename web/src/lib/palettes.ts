import { hexToRgb, rampColor, type RGB, type Ramp } from './color-ramps';

/**
 * The map's thematic colours, shared by the deck.gl layers, their legends and the tests; the
 * built-in layers' own palettes are declared with the layer catalogue (common/layer-palettes.ts).
 */

export {
  BUILDING_USES,
  LINE_VOLTAGE,
  PIPE_DIAMETER,
  ROAD_CLASSES,
} from '../../../common/layer-palettes';

/** Maintenance risk of a water or power asset (0–1, issue #4): green, amber, red. */
export const MAINTENANCE_RISK: Ramp = {
  unit: '',
  continuous: true,
  stops: [
    { value: 0, color: '#2ea043' },
    { value: 0.5, color: '#f5a623' },
    { value: 1, color: '#d62828' },
  ],
};

/** Assets without a sensor have no risk score. */
export const NO_SENSOR_COLOR = '#9a9a9a';

/** The colour of a maintenance-risk score; grey for an asset without sensors (no score). */
export function riskColor(risk: number | undefined): RGB {
  return risk === undefined ? hexToRgb(NO_SENSOR_COLOR) : rampColor(MAINTENANCE_RISK, risk);
}
