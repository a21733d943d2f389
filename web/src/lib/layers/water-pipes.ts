import { MVTLayer } from '@deck.gl/geo-layers';
import { GeoJsonLayer } from '@deck.gl/layers';
import { rampColor } from '../color-ramps';
import { PIPE_DIAMETER } from '../palettes';
import { maintenanceRisk } from '../maintenance-risk.svelte';
import {
  featureRiskColor,
  prop,
  tileLayerProps,
  withFeatureIds,
  type TileLayerOptions,
} from './tile-options';

/** Screen width of a pipe: 1.5 px for 100 mm up to 6 px for 1 m mains. */
export function pipeWidthPx(diameterMm: number): number {
  return Math.min(6, Math.max(1.5, 1 + diameterMm / 200));
}

/** Water mains and distribution pipes, coloured (or by maintenance risk) and sized by diameter. */
export function waterPipesLayer(o: TileLayerOptions) {
  const byRisk = o.colorBy === 'risk';
  const version = byRisk ? maintenanceRisk.version : 0;
  return new MVTLayer({
    ...tileLayerProps('water_pipes', o),
    lineWidthUnits: 'pixels',
    lineCapRounded: true,
    renderSubLayers: (props: ConstructorParameters<typeof GeoJsonLayer>[0]) => {
      withFeatureIds(props.data);
      return new GeoJsonLayer(props);
    },
    getLineColor: (f: unknown) =>
      byRisk
        ? featureRiskColor('water_pipe', f)
        : rampColor(PIPE_DIAMETER, prop<number>(f, 'diameter_mm') ?? 0),
    updateTriggers: { getLineColor: [byRisk, version] },
    getLineWidth: (f: unknown) => pipeWidthPx(prop<number>(f, 'diameter_mm') ?? 0),
  });
}
