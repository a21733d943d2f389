import type { SensorAssetType } from '../../../common/sensor-types';
import type { Category, Ramp } from './color-ramps';
import { POWER_NODE_SYMBOLS, WATER_NODE_SYMBOLS } from './layers/network-nodes';
import type { SymbolDef } from './layers/symbols';
import { SPEED_RATIO_COLORS } from './speed-colors';
import {
  BUILDING_USES,
  LINE_VOLTAGE,
  MAINTENANCE_RISK,
  NO_SENSOR_COLOR,
  PIPE_DIAMETER,
  ROAD_CLASSES,
} from './palettes';

/** One block of a layer's legend. */
export type LegendSection =
  | { kind: 'categories'; title: string; items: Category[]; swatch: 'fill' | 'line' }
  | { kind: 'ramp'; title: string; ramp: Ramp }
  | { kind: 'symbols'; title: string; items: SymbolDef[] }
  | { kind: 'note'; text: string };

/** A map layer as the panel, the URL and the legend know it. */
export interface LayerSpec {
  /** Name in the URL; for tiled layers also the tile layer's name. */
  id: string;
  title: string;
  /** One feature of the layer, for the inspect panel ("Building 42"). */
  singular: string;
  /** `deck`: tiled deck.gl overlay; `basemap`: MapLibre style layers; `labels`: text. */
  kind: 'deck' | 'basemap' | 'labels';
  defaultVisible: boolean;
  legend: LegendSection[];
  /** Water and power layers: the sensors' asset type, for colouring by maintenance risk. */
  riskAssetType?: SensorAssetType;
}

/** The legend of a water or power layer coloured by maintenance risk (issue #4). */
export const RISK_LEGEND: LegendSection[] = [
  { kind: 'ramp', title: 'Maintenance risk', ramp: MAINTENANCE_RISK },
  {
    kind: 'categories',
    title: '',
    items: [{ value: 'none', label: 'No sensors', color: NO_SENSOR_COLOR }],
    swatch: 'line',
  },
  { kind: 'note', text: "From its sensors' alerts in the last 30 days" },
];

/**
 * The roads legend while live speeds colour the roads (issue #12 item 5): the speed bands the
 * map draws, then the class colours of the roads without a speed sensor.
 */
export const ROADS_LIVE_LEGEND: LegendSection[] = [
  {
    kind: 'categories',
    title: 'Live speed ÷ free-flow speed',
    items: SPEED_RATIO_COLORS.map((c) => ({
      value: String(c.min),
      label: c.short,
      color: `rgb(${c.color.join(',')})`,
    })),
    swatch: 'line',
  },
  { kind: 'categories', title: 'No speed sensor: class', items: ROAD_CLASSES, swatch: 'line' },
  { kind: 'note', text: 'Width: lanes × 3.5 m' },
];

/** Every layer, in panel order (top of the list draws on top). */
export const LAYER_SPECS: readonly LayerSpec[] = [
  {
    id: 'labels',
    singular: 'Label',
    title: 'Labels',
    kind: 'labels',
    defaultVisible: true,
    legend: [{ kind: 'note', text: 'Street, district, park and river names' }],
  },
  {
    id: 'buildings',
    singular: 'Building',
    title: 'Buildings',
    kind: 'deck',
    defaultVisible: true,
    legend: [
      { kind: 'categories', title: 'Main use', items: BUILDING_USES, swatch: 'fill' },
      { kind: 'note', text: 'Height: extruded to height_m, true scale (m)' },
    ],
  },
  {
    id: 'power_nodes',
    singular: 'Power node',
    title: 'Power nodes',
    kind: 'deck',
    defaultVisible: false,
    riskAssetType: 'power_node',
    legend: [{ kind: 'symbols', title: 'Kind', items: POWER_NODE_SYMBOLS }],
  },
  {
    id: 'power_lines',
    singular: 'Power line',
    title: 'Power lines',
    kind: 'deck',
    defaultVisible: false,
    riskAssetType: 'power_line',
    legend: [{ kind: 'ramp', title: 'Voltage', ramp: LINE_VOLTAGE }],
  },
  {
    id: 'water_nodes',
    singular: 'Water node',
    title: 'Water nodes',
    kind: 'deck',
    defaultVisible: false,
    riskAssetType: 'water_node',
    legend: [{ kind: 'symbols', title: 'Kind', items: WATER_NODE_SYMBOLS }],
  },
  {
    id: 'water_pipes',
    singular: 'Water pipe',
    title: 'Water pipes',
    kind: 'deck',
    defaultVisible: false,
    riskAssetType: 'water_pipe',
    legend: [{ kind: 'ramp', title: 'Diameter', ramp: PIPE_DIAMETER }],
  },
  {
    id: 'roads',
    singular: 'Road link',
    title: 'Roads',
    kind: 'deck',
    defaultVisible: true,
    legend: [
      { kind: 'categories', title: 'Class', items: ROAD_CLASSES, swatch: 'line' },
      { kind: 'note', text: 'Width: lanes × 3.5 m' },
    ],
  },
  {
    id: 'land_use',
    singular: 'Land-use area',
    title: 'Land use',
    kind: 'basemap',
    defaultVisible: true,
    // Filled in from the basemap style's own legend once it has loaded.
    legend: [],
  },
];

export const LAYER_IDS = LAYER_SPECS.map((s) => s.id);
