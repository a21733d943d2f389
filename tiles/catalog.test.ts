import type { RawBuilder } from 'kysely';
import { describe, expect, it } from 'vitest';
import { compileOnlyDb as db } from '../schema/sql';
import { BUILT_IN_LAYERS } from '../common/layer-catalog';
import { STREET_TREES } from '../test/support/extra-layers';
import { LayerCatalog, LAYERS, layerDefinition } from './catalog';

const text = (r: RawBuilder<unknown> | null | undefined) => (r ? r.compile(db).sql : null);
const layer = (name: string) => LAYERS.find((l) => l.name === name)!;

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
      description: STREET_TREES.description,
      access: 'public',
      geometry: 'point',
      minzoom: 14,
      maxzoom: 18,
      attributes: STREET_TREES.attributes,
    });
    expect(text(catalog.get('street_trees')!.filter!(15))).toBe(`"height_m" >= 10`);
  });
});
