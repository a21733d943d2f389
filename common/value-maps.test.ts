import { describe, expect, it } from 'vitest';
import {
  BUILDING_USE_MAP,
  LAND_USE_MAP,
  mapValue,
  POWER_NODE_KIND_MAP,
  ROAD_CLASS_MAP,
  ValueMapper,
  WATER_NODE_KIND_MAP,
} from './value-maps';

describe('value maps', () => {
  it('maps OSM values case-insensitively and says which it knew', () => {
    expect(mapValue(ROAD_CLASS_MAP, 'Primary')).toEqual({ value: 'arterial', known: true });
    expect(mapValue(ROAD_CLASS_MAP, 'footway')).toEqual({ value: 'local', known: false });
    expect(mapValue(LAND_USE_MAP, 'scrub')).toEqual({ value: 'park', known: true });
    expect(mapValue(BUILDING_USE_MAP, 'commercial')).toEqual({ value: 'office', known: true });
    expect(mapValue(POWER_NODE_KIND_MAP, 'tower')).toEqual({ value: 'pole', known: true });
    expect(mapValue(WATER_NODE_KIND_MAP, 'water_tower')).toEqual({ value: 'tank', known: true });
  });

  it('takes an absent value as the fallback, knowingly', () => {
    for (const v of [null, undefined, '', '  ']) {
      expect(mapValue(LAND_USE_MAP, v)).toEqual({ value: 'other', known: true });
    }
  });

  it('does not read inherited keys as values', () => {
    expect(mapValue(LAND_USE_MAP, 'constructor')).toEqual({ value: 'other', known: false });
    expect(mapValue(ROAD_CLASS_MAP, '__proto__')).toEqual({ value: 'local', known: false });
  });

  it('counts the unknown values per field, the most frequent first', () => {
    const mapper = new ValueMapper();
    for (const v of ['footway', 'primary', 'cycleway', 'footway', null])
      mapper.map(ROAD_CLASS_MAP, v);
    mapper.map(POWER_NODE_KIND_MAP, 'generator');
    expect(mapper.unmapped()).toEqual([
      { field: 'class', value: 'footway', count: 2, mapped_to: 'local' },
      { field: 'class', value: 'cycleway', count: 1, mapped_to: 'local' },
      { field: 'kind', value: 'generator', count: 1, mapped_to: 'pole' },
    ]);
  });
});
