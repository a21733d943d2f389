import { hexToRgb, rampColor, type Category, type RGB, type Ramp } from './color-ramps';

/** The map's thematic colours, shared by the deck.gl layers, their legends and the tests. */

/**
 * Building use, in planners' land-use hues (LBCS family: residential yellow, commercial red,
 * industrial purple, institutional blue), softened so a whole city in 3D stays calm.
 */
export const BUILDING_USES: Category[] = [
  { value: 'residential', label: 'Residential', color: '#f0cf7a' },
  { value: 'mixed', label: 'Mixed use', color: '#e9a066' },
  { value: 'retail', label: 'Retail', color: '#de6f68' },
  { value: 'office', label: 'Office', color: '#c46e95' },
  { value: 'industrial', label: 'Industrial', color: '#9a87c6' },
  { value: 'civic', label: 'Civic', color: '#5c9bd6' },
  { value: 'other', label: 'Other', color: '#b3aca2' },
];

/**
 * Road class colours: pale, from warm through routes to white access roads, so that roads
 * frame the coloured buildings rather than compete with them (class also shows in width).
 */
export const ROAD_CLASSES: Category[] = [
  { value: 'motorway', label: 'Motorway', color: '#f7c89b' },
  { value: 'trunk', label: 'Trunk road', color: '#f9d3a8' },
  { value: 'arterial', label: 'Arterial', color: '#fbe2b8' },
  { value: 'collector', label: 'Collector', color: '#fff3d6' },
  { value: 'local', label: 'Local street', color: '#ffffff' },
  { value: 'service', label: 'Service road', color: '#f7f4ee' },
];

/** Pipe diameter: pale for service pipes, deep blue for trunk mains. */
export const PIPE_DIAMETER: Ramp = {
  unit: 'mm',
  continuous: true,
  stops: [
    { value: 100, color: '#8fd0f0' },
    { value: 200, color: '#3fa7e0' },
    { value: 400, color: '#1668b8' },
    { value: 800, color: '#0b3a7e' },
  ],
};

/** Voltage classes (IEC bands): low, medium, high and extra-high voltage. */
export const LINE_VOLTAGE: Ramp = {
  unit: 'kV',
  continuous: false,
  stops: [
    { value: 0, color: '#f7b32b' },
    { value: 1, color: '#f26b38' },
    { value: 35, color: '#d62246' },
    { value: 150, color: '#7b1e7a' },
  ],
};

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
