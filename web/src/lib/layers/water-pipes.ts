import { MVTLayer } from '@deck.gl/geo-layers';
import { rampColor } from '../color-ramps';
import { PIPE_DIAMETER } from '../palettes';
import { prop, tileLayerProps, type TileLayerOptions } from './tile-options';

/** Screen width of a pipe: 1.5 px for 100 mm up to 6 px for 1 m mains. */
export function pipeWidthPx(diameterMm: number): number {
  return Math.min(6, Math.max(1.5, 1 + diameterMm / 200));
}

/** Water mains and distribution pipes, coloured and sized by diameter. */
export function waterPipesLayer(o: TileLayerOptions) {
  return new MVTLayer({
    ...tileLayerProps('water_pipes', o),
    lineWidthUnits: 'pixels',
    lineCapRounded: true,
    getLineColor: (f: unknown) => rampColor(PIPE_DIAMETER, prop<number>(f, 'diameter_mm') ?? 0),
    getLineWidth: (f: unknown) => pipeWidthPx(prop<number>(f, 'diameter_mm') ?? 0),
  });
}
