import { sql, type RawBuilder } from 'kysely';
import {
  BUILT_IN_LAYERS,
  type LayerAccess,
  type LayerEntry,
  type RowCondition,
} from '../common/layer-catalog';
import type { Database } from '../schema/database';

export type { AttributeDefinition, AttributeType, LayerAccess } from '../common/layer-catalog';

/**
 * One vector-tile layer: where its rows live and what a tile of it carries. Built-in layers come
 * from their catalogue entries (`layerDefinition`), custom import layers are made at run time.
 */
export interface LayerDefinition extends Pick<
  LayerEntry,
  'name' | 'description' | 'access' | 'geometry' | 'attributes' | 'minzoom' | 'maxzoom'
> {
  table: keyof Database;
  /** The `layer_versions` row bumped when the table changes. */
  versionKey: string;
  simplify?: LayerEntry['simplify'];
  /** Rows shown at zoom z (fewer at low zoom); null for all. Built only from constants. */
  filter?: (z: number) => RawBuilder<unknown> | null;
}

export const TILE_EXTENT = 4096;
export const TILE_BUFFER = 64;

/** A catalogue row condition as SQL: the column from the catalogue, the values as literals. */
function conditionSql(c: RowCondition): RawBuilder<unknown> {
  const column = sql.ref(c.attribute);
  if ('atLeast' in c) return sql`${column} >= ${sql.lit(c.atLeast)}`;
  const values = sql.join(('in' in c ? c.in : c.notIn).map((v) => sql.lit(v)));
  return 'in' in c ? sql`${column} IN (${values})` : sql`${column} NOT IN (${values})`;
}

/**
 * The tile side of a catalogue entry (common/layer-catalog.ts): its table, attributes, zooms,
 * simplification and low-zoom filter as SQL. The table's `layer_versions` key is its name.
 */
export function layerDefinition(entry: LayerEntry): LayerDefinition {
  const lowZoom = [...(entry.lowZoom ?? [])].sort((a, b) => a.belowZoom - b.belowZoom);
  return {
    name: entry.name,
    description: entry.description,
    access: entry.access,
    // Built-in tables are checked against the schema by the tile tests, which query every layer.
    table: entry.table as keyof Database,
    geometry: entry.geometry,
    versionKey: entry.name,
    attributes: entry.attributes,
    minzoom: entry.minzoom,
    maxzoom: entry.maxzoom,
    ...(entry.simplify && { simplify: entry.simplify }),
    ...(lowZoom.length > 0 && {
      filter: (z: number) => {
        const rule = lowZoom.find((f) => z < f.belowZoom);
        return rule ? conditionSql(rule.where) : null;
      },
    }),
  };
}

export const LAYERS: readonly LayerDefinition[] = BUILT_IN_LAYERS.map(layerDefinition);

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
