import { MVTLayer } from '@deck.gl/geo-layers';
import { rampColor } from '../color-ramps';
import { LINE_VOLTAGE } from '../palettes';
import { prop, tileLayerProps, type TileLayerOptions } from './tile-options';

/** Screen width by voltage class: 1.5 px (LV) to 5 px (EHV). */
export function voltageWidthPx(kv: number): number {
  return kv >= 150 ? 5 : kv >= 35 ? 3.5 : kv >= 1 ? 2.5 : 1.5;
}

/** Power lines and feeders, coloured and sized by voltage. */
export function powerLinesLayer(o: TileLayerOptions) {
  return new MVTLayer({
    ...tileLayerProps('power_lines', o),
    lineWidthUnits: 'pixels',
    getLineColor: (f: unknown) => rampColor(LINE_VOLTAGE, prop<number>(f, 'voltage_kv') ?? 0),
    getLineWidth: (f: unknown) => voltageWidthPx(prop<number>(f, 'voltage_kv') ?? 0),
  });
}
