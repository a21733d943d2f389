import { describe, expect, it } from 'vitest';
import { CrsError, crsFromName, crsFromWkt } from './crs';

describe('source CRS resolution', () => {
  it('reads EPSG names in their common spellings', () => {
    for (const name of ['EPSG:3547', 'epsg:3547', 'urn:ogc:def:crs:EPSG::3547', '3547']) {
      expect(crsFromName(name).label).toBe('EPSG:3547');
    }
    expect(crsFromName('urn:ogc:def:crs:OGC:1.3:CRS84').geographic).toBe(true);
  });

  it('reprojects Kentucky single zone (US feet) to near (−85.6, 38.04)', () => {
    const [lon, lat] = crsFromName('EPSG:3547').toWgs84(4971350, 3905604);
    expect(lon).toBeCloseTo(-85.576, 2);
    expect(lat).toBeCloseTo(38.049, 2);
  });

  it('reprojects the Dutch grid with its datum shift (Amersfoort → WGS84)', () => {
    const [lon, lat] = crsFromName('EPSG:28992').toWgs84(155000, 463000);
    expect(lon).toBeCloseTo(5.38720621, 4);
    expect(lat).toBeCloseTo(52.15517440, 4);
  });

  it('derives UTM zones and maps Esri .prj names to EPSG codes', () => {
    const [lon] = crsFromName('EPSG:32631').toWgs84(500000, 5000000);
    expect(lon).toBeCloseTo(3, 6);
    expect(crsFromWkt('PROJCS["RD_New",GEOGCS["GCS_Amersfoort"]]').label).toBe('EPSG:28992');
    expect(crsFromWkt('PROJCS["WGS_1984_UTM_Zone_18N",GEOGCS["GCS_WGS_1984"]]').label).toBe('EPSG:32618');
  });

  it('names --srs when a CRS is unknown or unreadable', () => {
    expect(() => crsFromName('EPSG:99999')).toThrow(CrsError);
    expect(() => crsFromName('EPSG:99999')).toThrow(/--srs EPSG:xxxx/);
    expect(() => crsFromName('Lambert somewhere')).toThrow(/unrecognised CRS.*--srs/);
  });
});
