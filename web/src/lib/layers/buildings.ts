import { MVTLayer } from '@deck.gl/geo-layers';
import { categoryColor, type RGB } from '../color-ramps';
import { BUILDING_USES } from '../palettes';
import { GeoJsonLayer } from '@deck.gl/layers';
import { prop, tileLayerProps, withFeatureIds, type TileLayerOptions } from './tile-options';

const OTHER: RGB = [179, 172, 162];

/** Matte facades: enough diffuse light to model the massing, little specular glare. */
const MATERIAL = { ambient: 0.6, diffuse: 0.5, shininess: 12, specularColor: [24, 24, 24] as RGB };

export interface BuildingsOptions extends TileLayerOptions {
  /** Extrude by `height_m` (3D) or draw flat footprints with outlines (2D). */
  extruded: boolean;
  /** Buildings drawn with their LoD2 surfaces (issue #15): left flat here. */
  surfaces?: { has(id: number): boolean; version: number };
}

/** Building footprints from the `buildings` tiles, extruded by height and coloured by use. */
export function buildingsLayer(o: BuildingsOptions) {
  return new MVTLayer({
    ...tileLayerProps('buildings', o),
    extruded: o.extruded,
    wireframe: false,
    stroked: !o.extruded,
    filled: true,
    material: MATERIAL,
    renderSubLayers: (props: ConstructorParameters<typeof GeoJsonLayer>[0]) => {
      if (o.surfaces) withFeatureIds(props.data);
      return new GeoJsonLayer(props);
    },
    getElevation: (f: unknown) => {
      const id = prop<number>(f, '_id');
      return o.surfaces && id !== undefined && o.surfaces.has(id)
        ? 0
        : (prop<number>(f, 'height_m') ?? 3);
    },
    updateTriggers: { getElevation: o.surfaces?.version ?? 0 },
    getFillColor: (f: unknown) => categoryColor(BUILDING_USES, prop(f, 'use'), OTHER),
    getLineColor: [90, 80, 70, 140],
    lineWidthUnits: 'pixels',
    getLineWidth: 0.75,
  });
}
