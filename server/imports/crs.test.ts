import { describe, expect, it } from 'vitest';
import { CrsError, crsFromName, crsFromWkt, useSpatialRefSys } from './crs';

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

  it('reprojects the Dutch grid with the datum shift of spatial_ref_sys (Amersfoort → WGS84)', () => {
    // PostGIS 3.3's spatial_ref_sys row for EPSG:28992 (test/imports/crs-registry.test.ts reads the real table).
    useSpatialRefSys({
      28992:
        '+proj=sterea +lat_0=52.15616055555555 +lon_0=5.38763888888889 +k=0.9999079 +x_0=155000 +y_0=463000 +ellps=bessel +towgs84=565.2369,50.0087,465.658,-0.406857,0.350733,-1.87035,4.0812 +units=m +no_defs',
    });
    try {
      const [lon, lat] = crsFromName('EPSG:28992').toWgs84(155000, 463000);
      // RDNAPTRANS: the origin of RD is 52.15517440 N, 5.38720621 E in ETRS89.
      expect(lon).toBeCloseTo(5.38720621, 4);
      expect(lat).toBeCloseTo(52.1551744, 4);
    } finally {
      useSpatialRefSys({});
    }
  });

  it('derives UTM zones and maps Esri .prj names to EPSG codes', () => {
    const [lon] = crsFromName('EPSG:32631').toWgs84(500000, 5000000);
    expect(lon).toBeCloseTo(3, 6);
    expect(crsFromWkt('PROJCS["RD_New",GEOGCS["GCS_Amersfoort"]]').label).toBe('EPSG:28992');
    expect(crsFromWkt('PROJCS["WGS_1984_UTM_Zone_18N",GEOGCS["GCS_WGS_1984"]]').label).toBe(
      'EPSG:32618',
    );
  });

  it('reads any EPSG code of the registry: Swiss LV95 (EPSG:2056) lands in Zürich', () => {
    for (const name of [
      'EPSG:2056',
      'urn:ogc:def:crs:EPSG::2056',
      'urn:ogc:def:crs:EPSG:9.9.1:2056',
      'http://www.opengis.net/def/crs/EPSG/0/2056',
      'https://www.opengis.net/def/crs/EPSG/0/2056',
    ]) {
      const crs = crsFromName(name);
      expect(crs.label).toBe('EPSG:2056');
      const [lon, lat] = crs.toWgs84(2683000, 1247000);
      // Zürich Hauptbahnhof area; swisstopo's reframe gives 8.53750 E, 47.36861 N for this point.
      expect(lon).toBeCloseTo(8.5375, 3);
      expect(lat).toBeCloseTo(47.3686, 3);
    }
  });

  it('reads a compound CRS (RD New + NAP height) as its horizontal part, with the datum shift', () => {
    const expected = crsFromName('EPSG:28992').toWgs84(155000, 463000);
    for (const name of [
      'EPSG:7415',
      'urn:ogc:def:crs,crs:EPSG::28992,crs:EPSG::5709',
      'http://www.opengis.net/def/crs-compound?1=http://www.opengis.net/def/crs/EPSG/0/28992&2=http://www.opengis.net/def/crs/EPSG/0/5709',
    ]) {
      const crs = crsFromName(name);
      expect(crs.label).toBe('EPSG:28992');
      const [lon, lat] = crs.toWgs84(155000, 463000);
      expect(lon).toBeCloseTo(expected[0], 7);
      expect(lat).toBeCloseTo(expected[1], 7);
    }
  });

  it('reads WKT 1, WKT 2 and PROJJSON definitions given as --srs', () => {
    const wkt1 = crsFromName(
      'PROJCS["CH1903+ / LV95",GEOGCS["CH1903+",DATUM["CH1903+",SPHEROID["Bessel 1841",6377397.155,299.1528128]]],PROJECTION["Hotine_Oblique_Mercator_Azimuth_Center"],AUTHORITY["EPSG","2056"]]',
    );
    expect(wkt1.label).toBe('EPSG:2056');
    const wkt2 = crsFromName(
      'PROJCRS["CH1903+ / LV95",BASEGEOGCRS["CH1903+",DATUM["CH1903+",ELLIPSOID["Bessel 1841",6377397.155,299.1528128]]],CONVERSION["Swiss Oblique Mercator 1995",METHOD["Hotine Oblique Mercator (variant B)"]],ID["EPSG",2056]]',
    );
    expect(wkt2.label).toBe('EPSG:2056');
    const projjson = crsFromName(
      JSON.stringify({
        type: 'ProjectedCRS',
        name: 'CH1903+ / LV95',
        id: { authority: 'EPSG', code: 2056 },
      }),
    );
    expect(projjson.toWgs84(2683000, 1247000)[0]).toBeCloseTo(8.5375, 3);
    // A definition without a code is used as it is (here a UTM zone in PROJJSON).
    const utm = crsFromName(
      JSON.stringify({
        type: 'ProjectedCRS',
        name: 'UTM 31N',
        base_crs: {
          name: 'WGS 84',
          datum: {
            type: 'GeodeticReferenceFrame',
            name: 'World Geodetic System 1984',
            ellipsoid: {
              name: 'WGS 84',
              semi_major_axis: 6378137,
              inverse_flattening: 298.257223563,
            },
          },
          coordinate_system: {
            subtype: 'ellipsoidal',
            axis: [
              {
                name: 'Geodetic latitude',
                abbreviation: 'Lat',
                direction: 'north',
                unit: 'degree',
              },
              {
                name: 'Geodetic longitude',
                abbreviation: 'Lon',
                direction: 'east',
                unit: 'degree',
              },
            ],
          },
        },
        conversion: {
          name: 'UTM zone 31N',
          method: { name: 'Transverse Mercator' },
          parameters: [
            { name: 'Latitude of natural origin', value: 0, unit: 'degree' },
            { name: 'Longitude of natural origin', value: 3, unit: 'degree' },
            { name: 'Scale factor at natural origin', value: 0.9996, unit: 'unity' },
            { name: 'False easting', value: 500000, unit: 'metre' },
            { name: 'False northing', value: 0, unit: 'metre' },
          ],
        },
        coordinate_system: {
          subtype: 'Cartesian',
          axis: [
            { name: 'Easting', abbreviation: 'E', direction: 'east', unit: 'metre' },
            { name: 'Northing', abbreviation: 'N', direction: 'north', unit: 'metre' },
          ],
        },
      }),
    );
    expect(utm.label).toBe('PROJJSON');
    expect(utm.toWgs84(500000, 5000000)[0]).toBeCloseTo(3, 6);
  });

  it('refuses vertical and geocentric CRSs with the reason', () => {
    expect(() => crsFromName('EPSG:5709')).toThrow(/vertical CRS/);
    expect(() => crsFromName('EPSG:4978')).toThrow(/geocentric/);
  });

  it('names --srs when a CRS is unknown or unreadable', () => {
    expect(() => crsFromName('EPSG:99999')).toThrow(CrsError);
    expect(() => crsFromName('EPSG:99999')).toThrow(/--srs EPSG:xxxx/);
    expect(() => crsFromName('Lambert somewhere')).toThrow(/unrecognised CRS.*--srs/);
  });
});
