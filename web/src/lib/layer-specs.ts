import type { SensorAssetType } from '../../../common/sensor-types';
import { BUILT_IN_LAYERS, type GeometryKind, type LayerEntry } from '../../../common/layer-catalog';
import type { LegendSection } from '../../../common/layer-legend';
import { ROAD_CLASSES } from '../../../common/layer-palettes';
import { SPEED_RATIO_COLORS } from './speed-colors';
import { MAINTENANCE_RISK, NO_SENSOR_COLOR } from './palettes';

export type { LegendSection } from '../../../common/layer-legend';

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

/** The web's own layer: text labels, drawn by the client (not a tile layer). */
const LABELS: LayerSpec = {
  id: 'labels',
  singular: 'Label',
  title: 'Labels',
  kind: 'labels',
  defaultVisible: true,
  legend: [{ kind: 'note', text: 'Street, district, park and river names' }],
};

/** A catalogue entry as the panel, the URL and the legend know it. */
export function layerSpec(entry: LayerEntry): LayerSpec {
  return {
    id: entry.name,
    title: entry.title,
    singular: entry.singular,
    kind: entry.style.kind === 'basemap' ? 'basemap' : 'deck',
    defaultVisible: entry.panel.defaultVisible,
    legend: entry.legend,
    ...(entry.riskAssetType && { riskAssetType: entry.riskAssetType }),
  };
}

/** Labels, then the catalogue's layers in panel order (top of the list draws on top). */
export function layerSpecs(entries: readonly LayerEntry[]): LayerSpec[] {
  const ordered = [...entries].sort((a, b) => a.panel.order - b.panel.order);
  return [LABELS, ...ordered.map(layerSpec)];
}

const GEOMETRY_ORDER: Record<GeometryKind, number> = { line: 0, polygon: 1, point: 2 };

/**
 * The entries drawn by deck.gl, bottom to top: lines on the ground, then buildings (polygons),
 * then point symbols; catalogue order within each.
 */
export function deckDrawOrder(entries: readonly LayerEntry[]): LayerEntry[] {
  return entries
    .filter((e) => e.style.kind !== 'basemap')
    .map((e, i) => ({ e, i }))
    .sort((a, b) => GEOMETRY_ORDER[a.e.geometry] - GEOMETRY_ORDER[b.e.geometry] || a.i - b.i)
    .map(({ e }) => e);
}

/** Every layer, in panel order (top of the list draws on top). */
export const LAYER_SPECS: readonly LayerSpec[] = layerSpecs(BUILT_IN_LAYERS);

export const LAYER_IDS = LAYER_SPECS.map((s) => s.id);
