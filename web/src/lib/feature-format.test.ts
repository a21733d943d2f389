import { describe, expect, it } from 'vitest';
import type { CatalogLayer } from '../../../common/api-types';
import { attributeRows, formatValue } from './feature-format';

const buildings: CatalogLayer = {
  name: 'buildings',
  description: 'Buildings',
  access: 'public',
  geometry: 'polygon',
  minzoom: 12,
  maxzoom: 18,
  attributes: {
    height_m: { type: 'float', description: 'Height above ground', unit: 'm' },
    use: { type: 'string', description: 'Main use' },
    name: { type: 'string', description: 'Name' },
  },
};

describe('feature attributes for the inspect panel', () => {
  it('formats numbers, units, booleans and missing values', () => {
    expect(formatValue(12.345, 'm')).toBe('12.35 m');
    expect(formatValue(1200, 'veh/h')).toBe('1,200 veh/h');
    expect(formatValue(true)).toBe('yes');
    expect(formatValue(null, 'm')).toBe('—');
    expect(formatValue(2022, undefined, 'year_built')).toBe('2022');
    expect(formatValue(12345, undefined, 'from_node_id')).toBe('12345');
  });

  it('lists catalogue attributes first with their descriptions and units, then other columns', () => {
    const rows = attributeRows(
      {
        id: 7,
        dataset_id: 1,
        name: 'Town Hall',
        use: 'civic',
        height_m: 31.5,
        footprint_area_m: 410,
        attributes: { architect: 'W. M. Dudok' },
      },
      buildings,
    );
    expect(rows.map((r) => [r.label, r.value])).toEqual([
      ['Height above ground', '31.5 m'],
      ['Main use', 'civic'],
      ['Footprint area', '410 m'],
      ['Architect', 'W. M. Dudok'],
    ]);
  });
});
