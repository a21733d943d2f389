import { MVTLayer } from '@deck.gl/geo-layers';
import { GeoJsonLayer } from '@deck.gl/layers';
import { categoryColor, type RGB } from '../color-ramps';
import { ROAD_CLASSES } from '../palettes';
import { liveSensors } from '../live-sensors.svelte';
import { speedRatioColor } from '../speed-colors';
import { prop, tileLayerProps, withFeatureIds, type TileLayerOptions } from './tile-options';

/** Carriageway width per lane, metres (a typical urban lane plus a share of the verge). */
export const LANE_WIDTH_M = 3.5;

/**
 * Road links by class, drawn at their true width (lanes × 3.5 m) with a legible minimum; links
 * with a live speed sensor are coloured by speed ÷ free-flow speed (issue #4).
 */
export function roadsLayer(o: TileLayerOptions) {
  liveSensors.start();
  const version = liveSensors.version;
  return new MVTLayer({
    ...tileLayerProps('roads', o),
    lineWidthUnits: 'meters',
    lineWidthMinPixels: 1.2,
    lineCapRounded: true,
    lineJointRounded: true,
    renderSubLayers: (props: ConstructorParameters<typeof GeoJsonLayer>[0]) => {
      withFeatureIds(props.data);
      return new GeoJsonLayer(props);
    },
    getLineColor: (f: unknown) => {
      const id = prop<number>(f, '_id');
      const ratio = id === undefined ? undefined : liveSensors.roadRatio(id);
      return ratio === undefined
        ? categoryColor(ROAD_CLASSES, prop(f, 'class'), [255, 255, 255] as RGB)
        : speedRatioColor(ratio);
    },
    updateTriggers: { getLineColor: version },
    getLineWidth: (f: unknown) => Math.max(1, prop<number>(f, 'lanes') ?? 1) * LANE_WIDTH_M + 1,
  });
}
