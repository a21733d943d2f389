import { MVTLayer } from '@deck.gl/geo-layers';
import { tileLayerProps, type TileLayerOptions } from './tile-options';

/** The one colour of imported layers (issue #6): they carry no styling of their own. */
export const CUSTOM_COLOR: [number, number, number] = [228, 87, 46];

/** A custom layer created by an import: points, lines or polygons in one colour. */
export function customLayer(name: string, o: TileLayerOptions) {
  return new MVTLayer({
    ...tileLayerProps(name, o),
    getFillColor: [...CUSTOM_COLOR, 110],
    getLineColor: [...CUSTOM_COLOR, 255],
    lineWidthUnits: 'pixels',
    getLineWidth: 2,
    pointRadiusUnits: 'pixels',
    getPointRadius: 5,
  });
}
