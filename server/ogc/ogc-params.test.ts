import { describe, expect, it } from 'vitest';
import { LAYERS } from '../../tiles/catalog';
import { parseCrs } from './ogc-crs';
import { negotiate } from './ogc-format';
import { parseBbox, parseDatetime, parseItemsQuery } from './ogc-params';

const buildings = LAYERS.find((l) => l.name === 'buildings')!;
const query = (q: string) =>
  parseItemsQuery(new URL(`http://twin/ogc/collections/buildings/items?${q}`), buildings);

describe('OGC API items parameters', () => {
  it('reads an EPSG:4326 bbox latitude first and a CRS84 bbox longitude first', () => {
    const wgs = parseBbox(
      '52,5,53,6',
      parseCrs('http://www.opengis.net/def/crs/EPSG/0/4326', 'bbox-crs'),
    );
    const crs84 = parseBbox('5,52,6,53', parseCrs(undefined, 'bbox-crs'));
    expect([wgs.minX, wgs.minY, wgs.maxX, wgs.maxY]).toEqual([5, 52, 6, 53]);
    expect([crs84.minX, crs84.minY, crs84.maxX, crs84.maxY]).toEqual([5, 52, 6, 53]);
  });

  it('takes a six-number bbox (with heights) and a bbox across the antimeridian', () => {
    expect(parseBbox('5,52,0,6,53,100', parseCrs(undefined, 'bbox-crs'))).toMatchObject({
      minX: 5,
      minY: 52,
      maxX: 6,
      maxY: 53,
    });
    expect(parseBbox('179,-1,-179,1', parseCrs(undefined, 'bbox-crs'))).toMatchObject({
      minX: 179,
      maxX: -179,
    });
    expect(() => parseBbox('179,-1,-179,1', parseCrs('[EPSG:3857]', 'bbox-crs'))).toThrow(
      /first axis/,
    );
  });

  it('turns datetime instants and intervals into year ranges, open ends included', () => {
    expect(parseDatetime('1990-05-01')).toEqual({ from: 1990, to: 1990 });
    expect(parseDatetime('2000-01-01T00:00:00Z/..')).toEqual({ from: 2000, to: null });
    expect(parseDatetime('/2010-12-31T23:59:59+01:00')).toEqual({ from: null, to: 2010 });
    for (const bad of ['..', '../..', '2020-13-01', 'yesterday', '2020-01-01/2019-01-01', 'a/b/c'])
      expect(() => parseDatetime(bad), bad).toThrow();
  });

  it('types property filters by the catalogue and refuses unknown parameters', () => {
    expect(query('use=office&levels=3').filters).toEqual([
      { name: 'levels', value: 3 },
      { name: 'use', value: 'office' },
    ]);
    expect(() => query('levels=3.5')).toThrow(/integer/);
    expect(() => query('colour=red')).toThrow(/unknown parameter: colour/);
    expect(query('limit=50000').limit).toBe(10_000);
    expect(query('').limit).toBe(10);
  });

  it('negotiates HTML only when it is preferred to JSON', () => {
    expect(negotiate(undefined, 'text/html,application/xhtml+xml,*/*;q=0.8')).toBe('html');
    expect(negotiate(undefined, 'application/geo+json, application/json')).toBe('json');
    expect(negotiate(undefined, 'application/json;q=0.9, text/html;q=0.5')).toBe('json');
    expect(negotiate(undefined, undefined)).toBe('json');
    expect(negotiate('html', 'application/json')).toBe('html');
    expect(() => negotiate('xml', undefined)).toThrow(/f must be/);
  });
});
