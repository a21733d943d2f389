import { WORLD_HALF } from '../../tiles/tile-coords';

/** OGC Two Dimensional Tile Matrix Set 2.0 (OGC 17-083r4), annex D.1: WebMercatorQuad. */
export const WEB_MERCATOR_QUAD = 'WebMercatorQuad';
export const WEB_MERCATOR_QUAD_URI =
  'http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad';
/** Zoom levels of the standard's definition (0–24); the twin's layers stop at their maxzoom. */
const LEVELS = 25;
/** Metres per pixel at zoom 0 for 256-pixel tiles, and the standard's 0.28 mm pixel. */
const CELL_0 = (2 * WORLD_HALF) / 256;

/** The tile matrix set document (JSON encoding of TMS 2.0). */
export function webMercatorQuad() {
  return {
    id: WEB_MERCATOR_QUAD,
    title: 'Google Maps Compatible for the World',
    uri: WEB_MERCATOR_QUAD_URI,
    crs: 'http://www.opengis.net/def/crs/EPSG/0/3857',
    orderedAxes: ['X', 'Y'],
    wellKnownScaleSet: 'http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible',
    tileMatrices: Array.from({ length: LEVELS }, (_, z) => ({
      id: String(z),
      scaleDenominator: CELL_0 / 2 ** z / 0.00028,
      cellSize: CELL_0 / 2 ** z,
      cornerOfOrigin: 'topLeft',
      pointOfOrigin: [-WORLD_HALF, WORLD_HALF],
      tileWidth: 256,
      tileHeight: 256,
      matrixWidth: 2 ** z,
      matrixHeight: 2 ** z,
    })),
  };
}
