import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type RawBuilder,
} from 'kysely';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_LAYERS, type LayerEntry } from '../common/layer-catalog';
import type { Database } from '../schema/database';
import { LayerCatalog, LAYERS, layerDefinition } from './catalog';

/** Compiles SQL without a connection (Kysely's own dummy driver), to read the text. */
const db = new Kysely<Database>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (k) => new PostgresIntrospector(k),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});
const text = (r: RawBuilder<unknown> | null | undefined) => (r ? r.compile(db).sql : null);
const layer = (name: string) => LAYERS.find((l) => l.name === name)!;

/** A layer added by one more catalogue entry, as docs/architecture.md's recipe says. */
const STREET_TREES: LayerEntry = {
  name: 'street_trees',
  title: 'Street trees',
  singular: 'Street tree',
  description: 'Street trees by genus',
  access: 'public',
  table: 'street_trees',
  geometry: 'point',
  attributes: {
    genus: { type: 'string', description: 'Genus' },
    height_m: { type: 'float', description: 'Height', unit: 'm', decimals: 1 },
  },
  minzoom: 14,
  maxzoom: 18,
  lowZoom: [{ belowZoom: 16, where: { attribute: 'height_m', atLeast: 10 } }],
  panel: { order: 1.5, defaultVisible: false },
  legend: [{ kind: 'note', text: 'Trees' }],
  style: {
    kind: 'symbols',
    attribute: 'genus',
    symbols: [{ value: 'tilia', label: 'Lime', shape: 'circle', fill: '#2e7d32', size: 8 }],
  },
};

describe('layer catalogue, tile side', () => {
  it('builds each built-in layer from its common/ declaration, versioned by its name', () => {
    expect(LAYERS.map((l) => l.name)).toEqual(BUILT_IN_LAYERS.map((e) => e.name));
    expect(layer('roads')).toMatchObject({ table: 'road_links', versionKey: 'roads' });
    expect(layer('buildings').filter).toBeUndefined();
  });

  it('turns the low-zoom rules into SQL on catalogue columns, the lowest matching zoom first', () => {
    const roads = layer('roads').filter!;
    expect(text(roads(11))).toBe(`"class" IN ('motorway', 'trunk', 'arterial')`);
    expect(text(roads(13))).toBe(`"class" IN ('motorway', 'trunk', 'arterial', 'collector')`);
    expect(text(roads(14))).toBeNull();
    expect(text(layer('water_pipes').filter!(13))).toBe(`"diameter_mm" >= 300`);
    expect(text(layer('water_nodes').filter!(14))).toBe(`"kind" NOT IN ('junction')`);
    expect(text(layer('power_nodes').filter!(13))).toBe(`"kind" IN ('substation')`);
    expect(text(layer('power_lines').filter!(13))).toBeNull();
  });

  it('serves an extra entry in the catalogue document with its zooms and attributes', () => {
    const catalog = new LayerCatalog([...BUILT_IN_LAYERS, STREET_TREES].map(layerDefinition));
    expect(catalog.describe().find((l) => l.name === 'street_trees')).toEqual({
      name: 'street_trees',
      description: 'Street trees by genus',
      access: 'public',
      geometry: 'point',
      minzoom: 14,
      maxzoom: 18,
      attributes: STREET_TREES.attributes,
    });
    expect(text(catalog.get('street_trees')!.filter!(15))).toBe(`"height_m" >= 10`);
  });
});
