import type { Category, Ramp, SymbolDef } from './layer-legend';

/** The built-in layers' thematic colours: their legends and default styles read these. */

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

/** Muted land-use fills of the basemap (APA/LBCS hues, pale so 3D buildings stand out). */
export const LAND_USE_CLASSES: Category[] = [
  { value: 'residential', label: 'Residential', color: '#f1ebdf' },
  { value: 'mixed', label: 'Mixed use', color: '#efe3d3' },
  { value: 'commercial', label: 'Commercial', color: '#f0dcd8' },
  { value: 'industrial', label: 'Industrial', color: '#e3dde9' },
  { value: 'civic', label: 'Civic', color: '#dfe6ef' },
  { value: 'park', label: 'Park', color: '#c8e2b4' },
  { value: 'forest', label: 'Forest', color: '#afd29a' },
  { value: 'farmland', label: 'Farmland', color: '#eaeed2' },
  { value: 'cemetery', label: 'Cemetery', color: '#d0e0c4' },
  { value: 'water', label: 'Water', color: '#a4cdea' },
  { value: 'other', label: 'Other', color: '#ebe8e2' },
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

export const WATER_NODE_SYMBOLS: SymbolDef[] = [
  { value: 'reservoir', label: 'Reservoir', shape: 'square', fill: '#0b3a7e', size: 20 },
  { value: 'tank', label: 'Tank', shape: 'hexagon', fill: '#1668b8', size: 18 },
  { value: 'pump', label: 'Pump', shape: 'triangle', fill: '#0a9396', size: 18 },
  { value: 'junction', label: 'Junction', shape: 'circle', fill: '#4aa3df', size: 8 },
];

export const POWER_NODE_SYMBOLS: SymbolDef[] = [
  { value: 'substation', label: 'Substation', shape: 'square', fill: '#7b1e7a', size: 20 },
  { value: 'transformer', label: 'Transformer', shape: 'diamond', fill: '#d62246', size: 14 },
  { value: 'pole', label: 'Pole', shape: 'circle', fill: '#f26b38', size: 7 },
];
