import { describe, expect, it } from 'vitest';
import { readSeries } from './replay';

describe('long-format sensor observations (issue #15)', () => {
  it('turns sensor,ts,value rows into one time step per time and a column per sensor', () => {
    const text = [
      'sensor,ts,value',
      'a,2026-11-28T10:00:00Z,50',
      'b,2026-11-28T10:00:00Z,30',
      'a,2026-11-28T10:05:00Z,48',
      'b,2026-11-28T10:10:00Z,',
      'b,1795860900,31', // epoch seconds: 2026-11-28T10:15:00Z
    ].join('\n');
    const s = readSeries(text, { stepS: 300, end: 0 });
    expect(s.sensors).toEqual(['a', 'b']);
    expect(s.rows.map((r) => [new Date(r.ts).toISOString(), r.values])).toEqual([
      ['2026-11-28T10:00:00.000Z', [50, 30]],
      ['2026-11-28T10:05:00.000Z', [48, null]],
      ['2026-11-28T10:15:00.000Z', [null, 31]],
    ]);
    expect(s.locations).toBeUndefined();
  });

  it('reads a point or line per sensor (WKT, lon/lat or encoded polyline) from any of its rows', () => {
    const wkt = readSeries(
      [
        'sensor,ts,value,wkt',
        'p,2026-11-28T10:00:00Z,1,POINT (5.12 52.09)',
        'l,2026-11-28T10:00:00Z,2,"LINESTRING (5.10 52.00, 5.12 52.00, 5.12 52.02)"',
        'p,2026-11-28T10:05:00Z,3,',
      ].join('\n'),
      { stepS: 300, end: 0 },
    );
    expect(wkt.locations!.get('p')).toEqual([5.12, 52.09]);
    // Halfway along the line's 0.04° is its corner.
    expect(wkt.locations!.get('l')![0]).toBeCloseTo(5.12, 9);
    expect(wkt.locations!.get('l')![1]).toBeCloseTo(52.0, 9);
    expect(wkt.lines!.get('l')).toHaveLength(3);
    // Google's example polyline: (38.5, -120.2), (40.7, -120.95), (43.252, -126.453).
    const encoded = readSeries(
      ['sensor,ts,value,polyline', 'g,2026-11-28T10:00:00Z,9,_p~iF~ps|U_ulLnnqC_mqNvxq`@'].join(
        '\n',
      ),
      { stepS: 300, end: 0 },
    );
    expect(encoded.lines!.get('g')).toEqual([
      [-120.2, 38.5],
      [-120.95, 40.7],
      [-126.453, 43.252],
    ]);
    const lonlat = readSeries(
      ['sensor_id,time,value,lon,lat', 's1,2026-11-28T10:00:00Z,4,-118.3,34.1'].join('\n'),
      { stepS: 300, end: 0 },
    );
    expect(lonlat.locations!.get('s1')).toEqual([-118.3, 34.1]);
  });

  it('names the row of an unreadable time or geometry', () => {
    expect(() => readSeries('sensor,ts,value\na,yesterday,1', { stepS: 300, end: 0 })).toThrow(
      /row 2: cannot read the time/,
    );
    expect(() =>
      readSeries('sensor,ts,value,wkt\na,2026-11-28T10:00:00Z,1,"POLYGON ((0 0, 1 0, 1 1, 0 0))"', {
        stepS: 300,
        end: 0,
      }),
    ).toThrow(/row 2: .*POINT or a LINESTRING/);
  });
});
