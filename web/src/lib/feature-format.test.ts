import { describe, expect, it } from 'vitest';
import type { CatalogLayer } from '../../../common/api-types';
import { attributeRows, formatDate, formatValue, typeLabel } from './feature-format';

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

describe('typed columns of imported layers (issue #12 item 6)', () => {
  it('names column types in words', () => {
    expect(typeLabel('float')).toBe('number');
    expect(typeLabel('int')).toBe('number');
    expect(typeLabel('boolean')).toBe('yes/no');
    expect(typeLabel('date')).toBe('date');
    expect(typeLabel('timestamptz')).toBe('date & time');
    expect(typeLabel('geometry')).toBe('geometry');
  });

  it('shows a calendar date as that day in the reader locale, whatever the time zone', () => {
    const day = new Date(2024, 4, 1).toLocaleDateString(undefined, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
    });
    expect(formatDate('2024-05-01')).toBe(day);
    expect(formatValue('2024-05-01', undefined, 'planted', 'date')).toBe(day);
  });

  it('shows a timestamp with an offset in local time, and leaves other text alone', () => {
    const at = new Date(Date.UTC(2024, 4, 1, 12, 30)).toLocaleString(undefined, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    });
    expect(formatDate('2024-05-01T12:30:00Z')).toBe(at);
    expect(formatDate('2024-05-01 14:30:00+02')).toBe(at);
    expect(formatDate('2024-05-01T12:30')).toBeNull();
    expect(formatDate('2024-13-45 is not a date')).toBeNull();
    expect(formatValue('Quercus robur')).toBe('Quercus robur');
  });

  it('shows a number that came as text as a number when its column is numeric', () => {
    expect(formatValue('1234.5678', 'm', 'depth_m', 'float')).toBe('1,234.57 m');
    expect(formatValue('1234', undefined, 'count', 'string')).toBe('1234');
  });

  it('uses the catalogue type for the inspector rows', () => {
    const layer: CatalogLayer = {
      ...buildings,
      name: 'trees',
      attributes: {
        planted: {
          type: 'date' as CatalogLayer['attributes'][string]['type'],
          description: 'Planted',
        },
        girth: { type: 'float', description: 'Girth', unit: 'cm' },
      },
    };
    const rows = attributeRows({ planted: '2019-03-02', girth: '151.25' }, layer);
    expect(rows.map((r) => r.value)).toEqual([
      new Date(2019, 2, 2).toLocaleDateString(undefined, {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
      }),
      '151.25 cm',
    ]);
  });
});
