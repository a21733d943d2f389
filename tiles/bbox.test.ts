import { describe, expect, it } from 'vitest';
import { TwinError } from '../common/twin-error';
import {
  BboxError,
  MERCATOR_MAX_LAT,
  bboxNumbers,
  clampLatitude,
  clampToMercator,
  parseBbox,
} from './bbox';
import { lonLatToMercator, WORLD_HALF } from './tile-coords';

describe('the one bbox parser', () => {
  it('reads west,south,east,north in WGS84 degrees', () => {
    expect(parseBbox('5.1,52.0,5.2,52.1')).toEqual([5.1, 52, 5.2, 52.1]);
    expect(parseBbox(' -0.5 , -1e-3 , 0.5 , 1e-3 ')).toEqual([-0.5, -0.001, 0.5, 0.001]);
  });

  it('accepts the whole WGS84 range, poles included (±90°, ±180°)', () => {
    expect(parseBbox('-180,-90,180,90')).toEqual([-180, -90, 180, 90]);
    expect(parseBbox('-10,85.06,10,90')).toEqual([-10, 85.06, 10, 90]);
  });

  it.each([
    ['', 'no value'],
    ['1,2,3', 'three numbers'],
    ['1,2,3,4,5', 'five numbers'],
    [',,1,1', 'blanks (not zeros)'],
    ['NaN,NaN,NaN,NaN', 'NaN'],
    ['0,0,Infinity,1', 'an infinity'],
    ['0x10,0,1,1', 'hexadecimal'],
    ['-180.1,0,0,1', 'a longitude past -180'],
    ['0,0,180.5,1', 'a longitude past 180'],
    ['0,-90.5,1,0', 'a latitude past -90'],
    ['0,0,1,91', 'a latitude past 90'],
    ['-1e308,-1e308,1e308,1e308', 'huge values'],
    ['2,0,1,1', 'west east of east'],
    ['0,1,1,1', 'no height'],
    ['0,2,1,1', 'south north of north'],
  ])('refuses %j (%s) with a 400 domain error', (raw) => {
    let thrown: unknown;
    try {
      parseBbox(raw);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(BboxError);
    expect(thrown).toBeInstanceOf(TwinError);
    expect(thrown).toMatchObject({ status: 400, code: 'bad_request' });
  });

  it('reads 4 or 6 numbers where asked (OGC bboxes with heights)', () => {
    expect(bboxNumbers('1,2,0,3,4,100', [4, 6])).toEqual([1, 2, 0, 3, 4, 100]);
    expect(() => bboxNumbers('1,2,3,4,5', [4, 6])).toThrow(/4 \(or 6\)/);
  });
});

describe('clamping a bbox to web mercator where it is projected', () => {
  it('is the latitude where EPSG:3857 is square', () => {
    const [, y] = lonLatToMercator(0, MERCATOR_MAX_LAT);
    expect(y).toBeCloseTo(WORLD_HALF, 3);
  });

  it('clamps latitudes beyond the limit and keeps the rest', () => {
    expect(clampToMercator([-180, -90, 180, 90])).toEqual([
      -180,
      -MERCATOR_MAX_LAT,
      180,
      MERCATOR_MAX_LAT,
    ]);
    expect(clampToMercator([5, 52, 5.2, 85.0511287798])).toEqual([5, 52, 5.2, 85.0511287798]);
    expect(clampLatitude(-89)).toBe(-MERCATOR_MAX_LAT);
    expect(clampLatitude(12.5)).toBe(12.5);
  });

  it('refuses a bbox wholly beyond the limit: no map shows it', () => {
    expect(() => clampToMercator([0, 86, 1, 90])).toThrow(BboxError);
    expect(() => clampToMercator([0, -90, 1, -86])).toThrow(/beyond the latitudes a map shows/);
  });
});
