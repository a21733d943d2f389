import { MVTLayer } from '@deck.gl/geo-layers';
import { GeoJsonLayer } from '@deck.gl/layers';
import type { RGB } from '../color-ramps';
import { tileLayerProps, type TileLayerOptions } from './tile-options';

/** The one colour of imported layers (issue #6) when they are not coloured by a field. */
export const CUSTOM_COLOR: [number, number, number] = [228, 87, 46];

export interface CustomStyle {
  /** Colour by this property: `colorOf` maps its value (undefined: the single colour). */
  field: string | null;
  colorOf: (value: unknown) => RGB;
  /** Bumped when the colours change (the legend grew), so deck.gl recolours. */
  version: number;
  /** Features of the tiles in view, for the legend. */
  onFeatures: (features: { properties?: Record<string, unknown> }[]) => void;
}

type F = { properties?: Record<string, unknown> };

/**
 * A custom layer created by an import: points, lines or polygons in one colour, or coloured by
 * a chosen field (issue #12 item 6). GeoJSON tiles (not binary), so the features in view can be
 * read for the legend. Points are drawn without the depth test, so a point at street level is
 * not hidden under the 3D buildings around it.
 */
export function customLayer(name: string, o: TileLayerOptions, style?: CustomStyle) {
  const color = (f: F): RGB =>
    style?.field ? style.colorOf(f.properties?.[style.field]) : CUSTOM_COLOR;
  return new MVTLayer({
    ...tileLayerProps(name, o),
    binary: false,
    getFillColor: (f: F) => [...color(f), 130] as [number, number, number, number],
    getLineColor: (f: F) => [...color(f), 255] as [number, number, number, number],
    lineWidthUnits: 'pixels',
    getLineWidth: 2,
    pointRadiusUnits: 'pixels',
    getPointRadius: 5,
    renderSubLayers: (props: ConstructorParameters<typeof GeoJsonLayer>[0]) =>
      new GeoJsonLayer({
        ...props,
        _subLayerProps: {
          'points-circle': { parameters: { depthCompare: 'always', depthWriteEnabled: false } },
        },
      }),
    updateTriggers: {
      getFillColor: [style?.field, style?.version],
      getLineColor: [style?.field, style?.version],
    },
    onViewportLoad: (tiles: { content?: unknown }[]) => {
      if (!style) return;
      // GeoJSON tiles: an array of features (or a table of them, by loaders.gl's shape).
      const features = (c: unknown): F[] =>
        Array.isArray(c)
          ? c
          : Array.isArray((c as { features?: unknown })?.features)
            ? (c as { features: F[] }).features
            : [];
      style.onFeatures(tiles.flatMap((t) => features(t.content)));
    },
  });
}
