import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../schema/database';
import type { GeometryKind } from './tile-geometry';

export type AttributeType = 'int' | 'float' | 'string' | 'boolean';

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

/**
 * Who may see a layer (issue #9): `public` for everyone, `staff` for planners and up (critical
 * infrastructure, and custom layers until GIS staff publish them).
 */
export type LayerAccess = 'public' | 'staff';

/** One vector-tile layer: where its rows live and what a tile of it carries. */
export interface LayerDefinition {
  name: string;
  description: string;
  access: LayerAccess;
  table: keyof Database;
  geometry: GeometryKind;
  /** The `layer_versions` row bumped when the table changes. */
  versionKey: string;
  attributes: Record<string, AttributeDefinition>;
  minzoom: number;
  maxzoom: number;
  /** Below `belowZoom`, simplify by this many tile pixels (of 4096) before encoding. */
  simplify?: { belowZoom: number; pixels: number };
  /** Rows shown at zoom z (fewer at low zoom); null for all. Built only from constants. */
  filter?: (z: number) => RawBuilder<unknown> | null;
}

export const TILE_EXTENT = 4096;
export const TILE_BUFFER = 64;

const road = (classes: string[]) => sql`class IN (${sql.join(classes.map((c) => sql.lit(c)))})`;

export const LAYERS: readonly LayerDefinition[] = [
  {
    name: 'buildings',
    access: 'public',
    description: 'Building footprints with height and use',
    table: 'buildings',
    geometry: 'polygon',
    versionKey: 'buildings',
    attributes: {
      height_m: { type: 'float', description: 'Height above ground', unit: 'm', decimals: 1 },
      levels: { type: 'int', description: 'Storeys above ground' },
      use: { type: 'string', description: 'Main use' },
      name: { type: 'string', description: 'Name' },
      year_built: { type: 'int', description: 'Year of construction' },
    },
    minzoom: 12,
    maxzoom: 18,
  },
  {
    name: 'roads',
    access: 'public',
    description: 'Road links of the routable network, by class',
    table: 'road_links',
    geometry: 'line',
    versionKey: 'roads',
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
    filter: (z) =>
      z < 12
        ? road(['motorway', 'trunk', 'arterial'])
        : z < 14
          ? road(['motorway', 'trunk', 'arterial', 'collector'])
          : null,
  },
  {
    name: 'water_pipes',
    access: 'staff',
    description: 'Water mains and distribution pipes',
    table: 'water_pipes',
    geometry: 'line',
    versionKey: 'water_pipes',
    attributes: {
      diameter_mm: { type: 'float', description: 'Diameter', unit: 'mm', decimals: 0 },
      material: { type: 'string', description: 'Material' },
      capacity_l_s: { type: 'float', description: 'Design capacity', unit: 'l/s', decimals: 1 },
    },
    minzoom: 11,
    maxzoom: 18,
    filter: (z) => (z < 14 ? sql`diameter_mm >= 300` : null),
  },
  {
    name: 'water_nodes',
    access: 'staff',
    description: 'Water network junctions, tanks, reservoirs and pumps',
    table: 'water_nodes',
    geometry: 'point',
    versionKey: 'water_nodes',
    attributes: {
      kind: { type: 'string', description: 'junction, tank, reservoir or pump' },
      name: { type: 'string', description: 'Name' },
      elevation_m: { type: 'float', description: 'Elevation', unit: 'm', decimals: 1 },
    },
    minzoom: 11,
    maxzoom: 18,
    filter: (z) => (z < 15 ? sql`kind <> 'junction'` : null),
  },
  {
    name: 'power_lines',
    access: 'staff',
    description: 'Power transmission lines and feeders',
    table: 'power_lines',
    geometry: 'line',
    versionKey: 'power_lines',
    attributes: {
      voltage_kv: { type: 'float', description: 'Voltage', unit: 'kV', decimals: 1 },
      capacity_kva: { type: 'float', description: 'Capacity', unit: 'kVA', decimals: 0 },
      name: { type: 'string', description: 'Name' },
    },
    minzoom: 10,
    maxzoom: 18,
    filter: (z) => (z < 13 ? sql`voltage_kv >= 60` : null),
  },
  {
    name: 'power_nodes',
    access: 'staff',
    description: 'Substations, transformers and poles',
    table: 'power_nodes',
    geometry: 'point',
    versionKey: 'power_nodes',
    attributes: {
      kind: { type: 'string', description: 'substation, transformer or pole' },
      name: { type: 'string', description: 'Name' },
      voltage_kv: { type: 'float', description: 'Voltage', unit: 'kV', decimals: 1 },
      capacity_kva: { type: 'float', description: 'Capacity', unit: 'kVA', decimals: 0 },
    },
    minzoom: 10,
    maxzoom: 18,
    filter: (z) => (z < 14 ? sql`kind = 'substation'` : null),
  },
  {
    name: 'land_use',
    access: 'public',
    description: 'Land use and zoning polygons (parks, water, districts)',
    table: 'land_use',
    geometry: 'polygon',
    versionKey: 'land_use',
    attributes: {
      class: { type: 'string', description: 'Land use class' },
      name: { type: 'string', description: 'Name' },
      max_height_m: { type: 'float', description: 'Zoning height limit', unit: 'm', decimals: 1 },
    },
    minzoom: 0,
    maxzoom: 18,
    simplify: { belowZoom: 15, pixels: 1 },
  },
];

/** Looks layers up by name; the only source of table and column identifiers for tile SQL. */
export class LayerCatalog {
  readonly #byName: Map<string, LayerDefinition>;
  readonly #builtIn: ReadonlySet<string>;

  constructor(layers: readonly LayerDefinition[] = LAYERS) {
    this.#byName = new Map(layers.map((l) => [l.name, l]));
    this.#builtIn = new Set(this.#byName.keys());
  }

  /** Every layer: the built-in ones, then those added at run time (custom import layers). */
  get layers(): readonly LayerDefinition[] {
    return [...this.#byName.values()];
  }

  /** Adds or updates a layer created at run time; a built-in layer cannot be replaced. */
  upsert(layer: LayerDefinition): void {
    if (this.#builtIn.has(layer.name)) throw new Error(`layer "${layer.name}" is built in`);
    // A layer that exists keeps the access GIS staff gave it.
    const old = this.#byName.get(layer.name);
    this.#byName.set(layer.name, old ? { ...layer, access: old.access } : layer);
  }

  get(name: string): LayerDefinition | undefined {
    return this.#byName.get(name);
  }

  /**
   * Sets a layer's access (built-in or custom). The definition is replaced by a copy, so the
   * shared `LAYERS` constants never change.
   */
  setAccess(name: string, access: LayerAccess): void {
    const layer = this.#byName.get(name);
    if (!layer) throw new Error(`unknown layer "${name}"`);
    if (layer.access !== access) this.#byName.set(name, { ...layer, access });
  }

  /** The layers' attributes, as `GET /tiles/catalog.json` shows them (those `keep` accepts). */
  describe(keep: (layer: LayerDefinition) => boolean = () => true) {
    return this.layers.filter(keep).map((l) => ({
      name: l.name,
      description: l.description,
      access: l.access,
      geometry: l.geometry,
      minzoom: l.minzoom,
      maxzoom: l.maxzoom,
      attributes: l.attributes,
    }));
  }
}
