import type { Category, LegendSection, Ramp, SizeRamp, SymbolDef } from './layer-legend';
import {
  BUILDING_USES,
  LAND_USE_CLASSES,
  LINE_VOLTAGE,
  PIPE_DIAMETER,
  POWER_NODE_SYMBOLS,
  ROAD_CLASSES,
  WATER_NODE_SYMBOLS,
} from './layer-palettes';
import type { SensorAssetType } from './sensor-types';

/**
 * The built-in map layers, one declaration each (issue #13 item 5). Pure data, read by the tile
 * SQL (tiles/catalog.ts), the basemap style (server/city-style.ts), the web's layer panel,
 * legends and deck.gl layers (web/src/lib/layer-specs.ts, web/src/lib/layers/deck-layers.ts),
 * and the import target list (server/imports/parse.ts). No SQL and no node imports here.
 */

import type { AttributeType, LayerAccess } from './api-types';
export type { AttributeType, LayerAccess };

export interface AttributeDefinition {
  type: AttributeType;
  description: string;
  /** Unit of a numeric attribute, for legends (`m`, `km/h`, `veh/h`, …). */
  unit?: string;
  /** Decimal places kept in tiles for floats (the database keeps full precision). */
  decimals?: number;
  /** A string attribute read from a `date` or `timestamptz` column: ISO 8601 in tiles (UTC). */
  format?: 'date' | 'date-time';
}

export type GeometryKind = 'point' | 'line' | 'polygon';

/** Which rows a low-zoom tile keeps: a test of one attribute against constants. */
export type RowCondition =
  | { attribute: string; in: string[] }
  | { attribute: string; notIn: string[] }
  | { attribute: string; atLeast: number };

/**
 * How the web draws a layer by default:
 * - `line`: lines coloured by a ramp and sized by another (generic deck.gl layer);
 * - `symbols`: points as one symbol per value of an attribute (generic deck.gl layer);
 * - `basemap`: MapLibre style layer of the city basemap, coloured by category;
 * - `custom`: its own factory, web/src/lib/layers/<name>.ts, listed in deck-layers.ts.
 */
export type LayerStyle =
  | {
      kind: 'line';
      color: { attribute: string; ramp: Ramp };
      width: { attribute: string; ramp: SizeRamp };
      roundCaps?: boolean;
    }
  | { kind: 'symbols'; attribute: string; symbols: SymbolDef[] }
  | { kind: 'basemap'; attribute: string; categories: Category[] }
  | { kind: 'custom' };

/** One built-in layer: where its rows live, what its tiles carry, how the map shows it. */
export interface LayerEntry<Target extends string = string> {
  /** Tile layer name, the id in the URL and the panel. */
  name: string;
  /** Panel title ("Water pipes") and one feature's name ("Water pipe"). */
  title: string;
  singular: string;
  description: string;
  access: LayerAccess;
  /**
   * The table (schema/database.ts): `id`, `geom` in EPSG:3857, the attributes' columns, and the
   * provenance every layer table has (`dataset_id`, `source_id`, `attributes` jsonb).
   */
  table: string;
  geometry: GeometryKind;
  /** Columns carried in tiles (and served by OGC API Features). */
  attributes: Record<string, AttributeDefinition>;
  minzoom: number;
  maxzoom: number;
  /** Below `belowZoom`, simplify by this many tile pixels (of 4096) before encoding. */
  simplify?: { belowZoom: number; pixels: number };
  /** Fewer rows at low zoom: below `belowZoom` only rows meeting `where` (the lowest matching). */
  lowZoom?: { belowZoom: number; where: RowCondition }[];
  /**
   * The import target that loads the table (`npm run import -- --layer <target>`), one of
   * server/imports/targets/; a new name fails to compile until a target handles it.
   */
  importTarget?: Target;
  /** Place in the layer panel (lower is higher in the list) and whether it starts visible. */
  panel: { order: number; defaultVisible: boolean };
  /** Water and power layers: the sensors' asset type, for colouring by maintenance risk. */
  riskAssetType?: SensorAssetType;
  legend: LegendSection[];
  style: LayerStyle;
}

/** Keeps the import target names as literal types (`ImportTargetName`). */
function defineLayers<Target extends string>(layers: LayerEntry<Target>[]): LayerEntry<Target>[] {
  return layers;
}

export const BUILT_IN_LAYERS = defineLayers([
  {
    name: 'buildings',
    title: 'Buildings',
    singular: 'Building',
    description: 'Building footprints with height and use',
    access: 'public',
    table: 'buildings',
    geometry: 'polygon',
    attributes: {
      height_m: { type: 'float', description: 'Height above ground', unit: 'm', decimals: 1 },
      levels: { type: 'int', description: 'Storeys above ground' },
      use: { type: 'string', description: 'Main use' },
      name: { type: 'string', description: 'Name' },
      year_built: { type: 'int', description: 'Year of construction' },
    },
    minzoom: 12,
    maxzoom: 18,
    importTarget: 'buildings',
    panel: { order: 1, defaultVisible: true },
    legend: [
      { kind: 'categories', title: 'Main use', items: BUILDING_USES, swatch: 'fill' },
      { kind: 'note', text: 'Height: extruded to height_m, true scale (m)' },
    ],
    style: { kind: 'custom' },
  },
  {
    name: 'roads',
    title: 'Roads',
    singular: 'Road link',
    description: 'Road links of the routable network, by class',
    access: 'public',
    table: 'road_links',
    geometry: 'line',
    attributes: {
      class: { type: 'string', description: 'Road class (motorway … local)' },
      name: { type: 'string', description: 'Street name' },
      lanes: { type: 'int', description: 'Lanes' },
      speed_limit_kmh: { type: 'float', description: 'Speed limit', unit: 'km/h', decimals: 0 },
      capacity_veh_h: { type: 'float', description: 'Capacity', unit: 'veh/h', decimals: 0 },
      oneway: { type: 'boolean', description: 'One-way (from_node → to_node only)' },
    },
    minzoom: 0,
    maxzoom: 18,
    simplify: { belowZoom: 14, pixels: 1 },
    lowZoom: [
      { belowZoom: 12, where: { attribute: 'class', in: ['motorway', 'trunk', 'arterial'] } },
      {
        belowZoom: 14,
        where: { attribute: 'class', in: ['motorway', 'trunk', 'arterial', 'collector'] },
      },
    ],
    importTarget: 'roads',
    panel: { order: 6, defaultVisible: true },
    legend: [
      { kind: 'categories', title: 'Class', items: ROAD_CLASSES, swatch: 'line' },
      { kind: 'note', text: 'Width: lanes × 3.5 m' },
    ],
    style: { kind: 'custom' },
  },
  {
    name: 'water_pipes',
    title: 'Water pipes',
    singular: 'Water pipe',
    description: 'Water mains and distribution pipes',
    access: 'staff',
    table: 'water_pipes',
    geometry: 'line',
    attributes: {
      diameter_mm: { type: 'float', description: 'Diameter', unit: 'mm', decimals: 0 },
      material: { type: 'string', description: 'Material' },
      capacity_l_s: { type: 'float', description: 'Design capacity', unit: 'l/s', decimals: 1 },
    },
    minzoom: 11,
    maxzoom: 18,
    lowZoom: [{ belowZoom: 14, where: { attribute: 'diameter_mm', atLeast: 300 } }],
    importTarget: 'water',
    panel: { order: 5, defaultVisible: false },
    riskAssetType: 'water_pipe',
    legend: [{ kind: 'ramp', title: 'Diameter', ramp: PIPE_DIAMETER }],
    style: {
      kind: 'line',
      color: { attribute: 'diameter_mm', ramp: PIPE_DIAMETER },
      // 1.5 px for 100 mm up to 6 px for 1 m mains.
      width: {
        attribute: 'diameter_mm',
        ramp: {
          continuous: true,
          stops: [
            { value: 100, size: 1.5 },
            { value: 1000, size: 6 },
          ],
        },
      },
      roundCaps: true,
    },
  },
  {
    name: 'water_nodes',
    title: 'Water nodes',
    singular: 'Water node',
    description: 'Water network junctions, tanks, reservoirs and pumps',
    access: 'staff',
    table: 'water_nodes',
    geometry: 'point',
    attributes: {
      kind: { type: 'string', description: 'junction, tank, reservoir or pump' },
      name: { type: 'string', description: 'Name' },
      elevation_m: { type: 'float', description: 'Elevation', unit: 'm', decimals: 1 },
    },
    minzoom: 11,
    maxzoom: 18,
    lowZoom: [{ belowZoom: 15, where: { attribute: 'kind', notIn: ['junction'] } }],
    importTarget: 'water',
    panel: { order: 4, defaultVisible: false },
    riskAssetType: 'water_node',
    legend: [{ kind: 'symbols', title: 'Kind', items: WATER_NODE_SYMBOLS }],
    style: { kind: 'symbols', attribute: 'kind', symbols: WATER_NODE_SYMBOLS },
  },
  {
    name: 'power_lines',
    title: 'Power lines',
    singular: 'Power line',
    description: 'Power transmission lines and feeders',
    access: 'staff',
    table: 'power_lines',
    geometry: 'line',
    attributes: {
      voltage_kv: { type: 'float', description: 'Voltage', unit: 'kV', decimals: 1 },
      capacity_kva: { type: 'float', description: 'Capacity', unit: 'kVA', decimals: 0 },
      name: { type: 'string', description: 'Name' },
    },
    minzoom: 10,
    maxzoom: 18,
    lowZoom: [{ belowZoom: 13, where: { attribute: 'voltage_kv', atLeast: 60 } }],
    importTarget: 'power',
    panel: { order: 3, defaultVisible: false },
    riskAssetType: 'power_line',
    legend: [{ kind: 'ramp', title: 'Voltage', ramp: LINE_VOLTAGE }],
    style: {
      kind: 'line',
      color: { attribute: 'voltage_kv', ramp: LINE_VOLTAGE },
      // By voltage class: 1.5 px (LV) to 5 px (EHV).
      width: {
        attribute: 'voltage_kv',
        ramp: {
          continuous: false,
          stops: [
            { value: 0, size: 1.5 },
            { value: 1, size: 2.5 },
            { value: 35, size: 3.5 },
            { value: 150, size: 5 },
          ],
        },
      },
    },
  },
  {
    name: 'power_nodes',
    title: 'Power nodes',
    singular: 'Power node',
    description: 'Substations, transformers and poles',
    access: 'staff',
    table: 'power_nodes',
    geometry: 'point',
    attributes: {
      kind: { type: 'string', description: 'substation, transformer or pole' },
      name: { type: 'string', description: 'Name' },
      voltage_kv: { type: 'float', description: 'Voltage', unit: 'kV', decimals: 1 },
      capacity_kva: { type: 'float', description: 'Capacity', unit: 'kVA', decimals: 0 },
    },
    minzoom: 10,
    maxzoom: 18,
    lowZoom: [{ belowZoom: 14, where: { attribute: 'kind', in: ['substation'] } }],
    importTarget: 'power',
    panel: { order: 2, defaultVisible: false },
    riskAssetType: 'power_node',
    legend: [{ kind: 'symbols', title: 'Kind', items: POWER_NODE_SYMBOLS }],
    style: { kind: 'symbols', attribute: 'kind', symbols: POWER_NODE_SYMBOLS },
  },
  {
    name: 'land_use',
    title: 'Land use',
    singular: 'Land-use area',
    description: 'Land use and zoning polygons (parks, water, districts)',
    access: 'public',
    table: 'land_use',
    geometry: 'polygon',
    attributes: {
      class: { type: 'string', description: 'Land use class' },
      name: { type: 'string', description: 'Name' },
      max_height_m: { type: 'float', description: 'Zoning height limit', unit: 'm', decimals: 1 },
    },
    minzoom: 0,
    maxzoom: 18,
    simplify: { belowZoom: 15, pixels: 1 },
    importTarget: 'land_use',
    panel: { order: 7, defaultVisible: true },
    // Filled in by the web from the basemap style's own legend once it has loaded.
    legend: [],
    style: { kind: 'basemap', attribute: 'class', categories: LAND_USE_CLASSES },
  },
]);

/** The names `--layer` / the import page accept for the built-in layers' tables. */
export type ImportTargetName = NonNullable<(typeof BUILT_IN_LAYERS)[number]['importTarget']>;

/** Every import target of the built-in layers, once each, in catalogue order. */
export const IMPORT_TARGETS: readonly ImportTargetName[] = [
  ...new Set(BUILT_IN_LAYERS.flatMap((l) => (l.importTarget ? [l.importTarget] : []))),
];
